package config

import (
	"strings"
	"testing"
)

// TestRunOnStart: pipelines run at start unless the top-level or their own
// run_on_start says otherwise; a pipeline's key wins over the top-level one, and the
// top-level key takes an environment override like any other.
func TestRunOnStart(t *testing.T) {
	const pipelines = "pipelines:\n" +
		"  - { name: a, crm: hs, object: contacts, mapping: m.yaml }\n" +
		"  - { name: b, crm: hs, object: contacts, mapping: m.yaml, run_on_start: false }\n" +
		"  - { name: c, crm: hs, object: contacts, mapping: m.yaml, run_on_start: true }\n"
	const head = "lusha: { api_key: \"${env:K}\" }\ncrms:\n  hs: { kind: hubspot, token: \"${env:T}\" }\n"
	for _, tc := range []struct {
		name, top string
		environ   []string
		want      map[string]bool
	}{
		{"default", "", nil, map[string]bool{"a": true, "b": false, "c": true}},
		{"top-level off", "run_on_start: false\n", nil, map[string]bool{"a": false, "b": false, "c": true}},
		{"top-level on", "run_on_start: true\n", nil, map[string]bool{"a": true, "b": false, "c": true}},
		{"environment off", "", []string{EnvPrefix + "RUN_ON_START=false"}, map[string]bool{"a": false, "b": false, "c": true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, t.TempDir(), "c.yaml", tc.top+head+pipelines)
			cfg, err := Load(path, tc.environ)
			if err != nil {
				t.Fatal(err)
			}
			for name, want := range tc.want {
				if got := cfg.RunsOnStart(name); got != want {
					t.Errorf("pipeline %s runs on start: %v, want %v", name, got, want)
				}
				if p, _ := cfg.Pipeline(name); p.RunOnStart == nil || *p.RunOnStart != want {
					t.Errorf("pipeline %s: Load left run_on_start %v, want %v", name, p.RunOnStart, want)
				}
			}
		})
	}
	path := writeFile(t, t.TempDir(), "c.yaml", "run_on_start: sometimes\n"+head+pipelines)
	if _, err := Load(path, nil); err == nil || !strings.Contains(err.Error(), "run_on_start") {
		t.Errorf("run_on_start: sometimes: %v, want an error naming the key", err)
	}
}
