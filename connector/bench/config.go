package bench

import (
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
)

// mappingYAML is the benchmark's mapping: the sandbox's fields plus a phone from any
// phone number, so that most matched people need a phone reveal (the costly Lusha
// call) and a company answer (one per company).
//
//go:embed mapping.yaml
var mappingYAML []byte

// pipelineName is the one pipeline of the benchmark's config.
const pipelineName = "bench-hubspot-contacts"

// Environment variables holding the fakes' credentials for the child.
const (
	envLushaKey     = "BENCH_LUSHA_API_KEY"
	envHubSpotToken = "BENCH_HUBSPOT_TOKEN"
)

// configYAML is a config like a user's, pointed at the fakes. Secrets are references
// to the environment, as in any config.
const configYAML = `state: { path: bench.db }
log: { level: warn, format: text }
lusha:
  api_key: ${env:` + envLushaKey + `}
  base_url: %s
  rate: { per_second: %g }
  negative_ttl: 168h
crms:
  hubspot:
    kind: hubspot
    token: ${env:` + envHubSpotToken + `}
    base_url: %s
    limits: { search_per_second: %g, calls_per_10s: %d }
pipelines:
  - name: ` + pipelineName + `
    crm: hubspot
    object: contacts
    filter: { missing: [lusha_enriched_at] }
    mapping: mapping.yaml
    cache_ttl: 720h
`

// writeConfig writes the config and mapping into dir and returns the config's path
// and the environment the child needs to resolve its secrets.
func writeConfig(dir string, f *fakes, client ClientLimits) (string, []string, error) {
	cfg := fmt.Sprintf(configYAML, f.lushaSrv.url, client.LushaPerSecond, f.hubSrv.url,
		client.HubSpotSearchPerSecond, client.HubSpotCallsPer10s)
	path := filepath.Join(dir, "bench.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		return "", nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "mapping.yaml"), mappingYAML, 0o600); err != nil {
		return "", nil, err
	}
	env := []string{envLushaKey + "=" + f.lusha.APIKey(), envHubSpotToken + "=" + f.hubspot.Token()}
	return path, env, nil
}
