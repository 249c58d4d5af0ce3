package config

import (
	"strings"
	"testing"
)

// TestHugeValuesAreCut: a 5 MB value is never repeated whole. Every message quotes at
// most a few hundred bytes of it, says how long it was, and still names the key and
// its file:line:col.
func TestHugeValuesAreCut(t *testing.T) {
	huge := strings.Repeat("x", 5<<20)
	const base = "lusha: { api_key: \"${env:LUSHA_API_KEY}\" }\n"
	pipeline := "crms: { hs: { kind: hubspot, token: \"${env:T}\" } }\npipelines:\n  - { name: p, crm: hs, object: contacts, mapping: m.yaml, schedule: \"%s\" }\n"
	tests := []struct {
		name, body string
		environ    []string
		want       string // the start of the error, before the excerpt
	}{
		{"schedule", base + strings.Replace(pipeline, "%s", huge, 1), nil,
			`c.yaml:4:60: pipelines[0].schedule: schedule "xxx`},
		{"unknown key", base + "? " + huge + "\n: 1\n", nil, `c.yaml:2:3: xxx`},
		{"unknown key's value", base + "lsuha: \"" + huge + "\"\n", nil, `c.yaml:2:1: lsuha: unknown key "lsuha", did you mean "lusha"?`},
		{"number", "lusha: { api_key: \"${env:K}\", rate: { per_second: " + huge + " } }\n", nil,
			`c.yaml:1:51: lusha.rate.per_second: "xxx`},
		{"secret reference", "lusha: { api_key: \"${vault:" + huge + "}\" }\n", nil,
			`c.yaml:1:10: lusha.api_key: unknown secret reference "${vault:xxx`},
		{"environment override", base, []string{"LEADSYNC_LUSHA__RATE__PER_SECOND=" + huge}, `c.yaml`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, t.TempDir(), "c.yaml", tt.body)
			_, err := Load(path, tt.environ)
			if err == nil {
				t.Fatal("loaded")
			}
			msg := strings.TrimPrefix(err.Error(), path[:len(path)-len("c.yaml")])
			if !strings.HasPrefix(msg, tt.want) {
				t.Errorf("error starts %.300q, want %q", msg, tt.want)
			}
			if len(msg) > 1000 {
				t.Errorf("error is %d bytes long: %.300q…", len(msg), msg)
			}
			if strings.Contains(msg, "xxx") && !strings.Contains(msg, "… (") {
				t.Errorf("cut value without its length: %q", msg)
			}
		})
	}
	if _, err := ParseSchedule(huge); err == nil || len(err.Error()) > 1000 {
		t.Errorf("ParseSchedule error is %d bytes", len(err.Error()))
	}
}
