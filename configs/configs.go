// Package configs holds leadsync's example configurations and mappings, embedded so
// that `leadsync sandbox` runs from any directory and tests keep them from rotting.
package configs

import "embed"

// FS holds sandbox.yaml, hubspot.yaml and mappings/*.yaml.
//
//go:embed *.yaml mappings/*.yaml
var FS embed.FS
