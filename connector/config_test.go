package connector

import (
	"path/filepath"
	"testing"

	"github.com/leadsync/leadsync/connector/config"
)

// TestShippedConfigsLoad keeps configs/ from rotting: each file loads and validates,
// and its mappings compile against Lusha's answer schema.
func TestShippedConfigsLoad(t *testing.T) {
	for _, name := range []string{"sandbox.yaml", "hubspot.yaml", "salesforce.yaml"} {
		t.Run(name, func(t *testing.T) {
			cfg, err := config.Load(filepath.Join("..", "configs", name), nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(cfg.Pipelines) == 0 {
				t.Fatal("no pipelines")
			}
			if _, err := LoadMappings(cfg); err != nil {
				t.Fatal(err)
			}
		})
	}
}
