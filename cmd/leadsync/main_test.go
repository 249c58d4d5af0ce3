package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/leadsync/leadsync/connector"
)

// shippedSecrets sets the variables the shipped configs' secrets name, as a user would.
var shippedSecrets = []string{"LUSHA_API_KEY=lusha-key", "HUBSPOT_TOKEN=hubspot-token", "SF_CLIENT_ID=sf-client-id"}

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, shippedSecrets, &out, &errb)
	return code, out.String(), errb.String()
}

func TestValidateExitCodes(t *testing.T) {
	dir := t.TempDir()
	good, err := os.ReadFile("../../configs/hubspot.yaml")
	if err != nil {
		t.Fatal(err)
	}
	mappingDir := filepath.Join(dir, "mappings")
	if err := os.MkdirAll(mappingDir, 0o755); err != nil {
		t.Fatal(err)
	}
	companies, err := os.ReadFile("../../configs/mappings/hubspot-companies.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(mappingDir, "hubspot-companies.yaml"), companies, 0o600); err != nil {
		t.Fatal(err)
	}
	badMapping := "object: contacts\nmatch:\n  email: email\nfields:\n  jobtitle: { from: contact.jobtitle }\n"
	if err := os.WriteFile(filepath.Join(mappingDir, "hubspot-contacts.yaml"), []byte(badMapping), 0o600); err != nil {
		t.Fatal(err)
	}
	unknownKey := filepath.Join(dir, "unknown.yaml")
	if err := os.WriteFile(unknownKey, bytes.Replace(good, []byte("shutdown_grace:"), []byte("shutdown_grase:"), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	badPath := filepath.Join(dir, "badpath.yaml")
	if err := os.WriteFile(badPath, good, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		args     []string
		code     int
		contains []string
	}{
		{"shipped config", []string{"validate", "-c", "../../configs/hubspot.yaml", "--offline"}, exitOK, nil},
		{"unknown key", []string{"validate", "-c", unknownKey, "--offline"}, exitUsage,
			[]string{"unknown.yaml:9:1", "shutdown_grase"}},
		{"path Lusha lacks", []string{"validate", "-c", badPath, "--offline"}, exitMapping,
			[]string{"hubspot-contacts.yaml:5:", "contact.jobtitle", "did you mean"}},
		{"no such command", []string{"frobnicate"}, exitUsage, []string{"unknown command"}},
		{"help", []string{"sync", "--help"}, exitOK, []string{"--dry-run"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tt.code, stderr)
			}
			for _, c := range tt.contains {
				if !strings.Contains(stderr, c) {
					t.Errorf("stderr does not contain %q:\n%s", c, stderr)
				}
			}
		})
	}
}

// TestSandboxOnce is issues 2 and 5's first promise through the command line: one
// summary per pipeline, HubSpot and Salesforce, each reading the 500 leads.
func TestSandboxOnce(t *testing.T) {
	code, stdout, stderr := runCLI(t, "sandbox", "--once", "--json", "--leads", "500", "--log-level", "warn")
	if code != exitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	sums := map[string]connector.Summary{}
	dec := json.NewDecoder(strings.NewReader(stdout))
	for dec.More() {
		var sum connector.Summary
		if err := dec.Decode(&sum); err != nil {
			t.Fatalf("stdout is not JSON summaries: %v\n%s", err, stdout)
		}
		sums[sum.Pipeline] = sum
	}
	hs, sf := sums["hubspot-contacts"], sums["salesforce-leads"]
	if hs.RecordsRead != 500 || hs.RecordsEnriched < 300 || hs.RecordsWritten < 300 || hs.CreditsSpent <= 0 {
		t.Errorf("HubSpot summary %+v", hs)
	}
	if sf.RecordsRead != 500 || sf.RecordsWritten < 300 {
		t.Errorf("Salesforce summary %+v", sf)
	}
	for _, key := range []string{`"records_read"`, `"credits_spent"`, `"duration_ms"`, `"dry_run"`, `"status"`, `"run_id"`} {
		if !strings.Contains(stdout, key) {
			t.Errorf("summary lacks %s", key)
		}
	}
}

func TestVersion(t *testing.T) {
	code, stdout, _ := runCLI(t, "version")
	if code != exitOK || !strings.HasPrefix(stdout, "leadsync ") {
		t.Errorf("version: %d %q", code, stdout)
	}
}

func TestProgressLine(t *testing.T) {
	var b bytes.Buffer
	p := connector.Progress{Pipeline: "p", Total: 300, Elapsed: 2 * time.Second}
	p.RecordsRead, p.RecordsEnriched, p.RecordsWritten = 100, 80, 70
	progressLine(&b)(p)
	got := b.String()
	for _, want := range []string{"\r", "p: read 100", "enriched 80", "written 70", "50/s", "ETA 4s"} {
		if !strings.Contains(got, want) {
			t.Errorf("progress line %q lacks %q", got, want)
		}
	}
}
