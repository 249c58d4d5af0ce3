package connector

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestShippedConfigsLoad keeps configs/ from rotting: each file loads and validates,
// and its mappings compile against Lusha's answer schema.
func TestShippedConfigsLoad(t *testing.T) {
	for _, name := range []string{"sandbox.yaml", "hubspot.yaml", "salesforce.yaml"} {
		t.Run(name, func(t *testing.T) {
			cfg, err := LoadConfig(filepath.Join("..", "configs", name), nil)
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

func writeFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const goodConfig = `state: { path: x.db }
lusha:
  api_key: ${env:KEY}
  budget: { credits_per_run: 10 }
crms:
  hs: { kind: hubspot, token: "${file:/run/token}" }
pipelines:
  - name: p
    crm: hs
    object: contacts
    mapping: m.yaml
    cache_ttl: 24h
`

func TestLoadConfig(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		environ []string
		wantErr []string // substrings of the error, in order of appearance
		check   func(t *testing.T, c *Config)
	}{
		{name: "good", body: goodConfig, check: func(t *testing.T, c *Config) {
			if c.Lusha.Budget.CreditsPerRun != 10 || c.Pipelines[0].CacheTTL != 24*time.Hour {
				t.Errorf("decoded %+v", c)
			}
			if c.Lusha.Rate.PerSecond != 25 || c.Pipelines[0].Schedule != "@every 5m" {
				t.Errorf("defaults not applied: %+v", c)
			}
		}},
		{name: "env override", body: goodConfig, environ: []string{"LEADSYNC_LUSHA__RATE__PER_SECOND=7", "OTHER=1"},
			check: func(t *testing.T, c *Config) {
				if c.Lusha.Rate.PerSecond != 7 {
					t.Errorf("per_second = %v, want 7", c.Lusha.Rate.PerSecond)
				}
			}},
		{name: "unknown key with line and suggestion",
			body:    strings.Replace(goodConfig, "budget:", "budgett:", 1),
			wantErr: []string{"c.yaml:4:3", "lusha.budgett", `did you mean "budget"`}},
		{name: "unknown env variable", body: goodConfig, environ: []string{"LEADSYNC_LUSHA__RATEE=1"},
			wantErr: []string{"LEADSYNC_LUSHA__RATEE", "names no config key"}},
		{name: "duration without unit",
			body:    strings.Replace(goodConfig, "cache_ttl: 24h", "cache_ttl: 30", 1),
			wantErr: []string{"c.yaml:12:16", "needs a unit"}},
		{name: "literal secret refused",
			body:    strings.Replace(goodConfig, "${env:KEY}", "abc-123", 1),
			wantErr: []string{"c.yaml:3:3", "lusha.api_key", "not literally"}},
		{name: "undefined crm and bad schedule",
			body:    strings.Replace(goodConfig, "crm: hs", "crm: nope\n    schedule: \"TZ=\"", 1),
			wantErr: []string{`crm "nope" is not defined`, "schedule"}},
		{name: "yaml syntax", body: "state: [", wantErr: []string{"c.yaml"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, t.TempDir(), "c.yaml", tt.body)
			cfg, err := LoadConfig(path, tt.environ)
			if len(tt.wantErr) > 0 {
				if err == nil {
					t.Fatal("want an error")
				}
				if !IsConfigError(err) {
					t.Errorf("error %T is not a config error", err)
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not contain %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, cfg)
		})
	}
}

func TestSecret(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "s", "from-file\n")
	getenv := func(k string) string { return map[string]string{"K": "from-env"}[k] }
	for ref, want := range map[SecretRef]string{"${env:K}": "from-env", SecretRef("${file:" + file + "}"): "from-file"} {
		s, err := ref.Resolve(getenv)
		if err != nil || s.Reveal() != want {
			t.Errorf("%s: got %q, %v", ref, s.Reveal(), err)
		}
		if s.String() != "<redacted>" {
			t.Errorf("String() = %q", s.String())
		}
	}
	if _, err := SecretRef("${env:MISSING}").Resolve(getenv); err == nil {
		t.Error("missing env variable must fail")
	}
}
