package bench

import (
	"fmt"
	"os"
	"path/filepath"
)

// Environment variables holding the fakes' credentials for the child (the CRMs' are
// beside their specs).
const envLushaKey = "BENCH_LUSHA_API_KEY"

// configYAML is a config like a user's, pointed at the fakes; the CRM's spec adds its
// account and the pipeline. Secrets are references to the environment, as in any config.
const configYAML = `state: { path: bench.db }
log: { level: warn, format: text }
lusha:
  api_key: ${env:` + envLushaKey + `}
  base_url: %s
  rate: { per_second: %g }
  negative_ttl: 168h
`

// writeConfig writes the config and the CRM's mapping into dir and returns the
// config's path and the environment the child needs to resolve its secrets.
func writeConfig(dir string, f *fakes, client ClientLimits) (string, []string, error) {
	cfg := fmt.Sprintf(configYAML, f.lushaSrv.url, client.LushaPerSecond) + f.spec.config(f.crmSrv.url, client)
	path := filepath.Join(dir, "bench.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		return "", nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "mapping.yaml"), f.spec.mapping, 0o600); err != nil {
		return "", nil, err
	}
	env := append([]string{envLushaKey + "=" + f.lusha.APIKey()}, f.crm.environ()...)
	return path, env, nil
}
