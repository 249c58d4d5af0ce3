package config

import (
	"strings"
	"testing"
	"time"
)

func TestHistory(t *testing.T) {
	cases := []struct {
		name, yaml   string
		env          []string
		runs, ledger time.Duration
	}{
		{"defaults", "", nil, 2160 * time.Hour, 720 * time.Hour},
		{"set", "history: { keep_runs: 720h, keep_ledger: 0s }\n", nil, 720 * time.Hour, 0},
		{"one key keeps the other's default", "history: { keep_ledger: 48h }\n", nil, 2160 * time.Hour, 48 * time.Hour},
		{"environment", "", []string{"LEADSYNC_HISTORY__KEEP_RUNS=48h"}, 48 * time.Hour, 720 * time.Hour},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, t.TempDir(), "c.yml", `lusha: { api_key: "${env:K}" }`+"\n"+tc.yaml)
			cfg, err := Load(path, tc.env)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.History.KeepRuns != tc.runs || cfg.History.KeepLedger != tc.ledger {
				t.Errorf("history = %+v, want keep_runs %v, keep_ledger %v", cfg.History, tc.runs, tc.ledger)
			}
		})
	}
}

func TestHistoryErrors(t *testing.T) {
	cases := map[string]string{
		"history: { keep_runs: 90 }\n":        "duration 90 needs a unit",
		"history: { keep_run: 90h }\n":        `unknown key "keep_run", did you mean "keep_runs"?`,
		"history: { keep_ledger: forever }\n": `"forever" is not a duration`,
		"history: [1]\n":                      "history: expected a mapping",
	}
	for body, want := range cases {
		path := writeFile(t, t.TempDir(), "c.yml", `lusha: { api_key: "${env:K}" }`+"\n"+body)
		_, err := Load(path, nil)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "c.yml:2:") {
			t.Errorf("%q: %v; want an error at line 2 with %q", body, err, want)
		}
	}
}
