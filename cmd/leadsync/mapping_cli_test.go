package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/leadsync/leadsync/connector/sandbox"
)

// TestLiveMappingProblems is issue 6's second promise: a mapping that targets a
// read-only property, a missing property, an option the CRM lacks and a string longer
// than the field makes validate and the dry run exit 3, listing all four with
// file:line:col; the dry run also names the records and fields affected.
func TestLiveMappingProblems(t *testing.T) {
	sb, err := sandbox.Start(sandbox.Options{Seed: 3, Leads: 30, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	long := strings.Repeat("x", 65537)
	bad := `object: contacts
match: { email: email }
fields:
  hs_email_domain: { from: contact.company.domain }
  no_such_property: { from: contact.location.city }
  seniority_level: { from: contact.jobTitle.seniority, map: { Director: boss }, default: boss }
  state: { value: "` + long + `" }
`
	path := filepath.Join(filepath.Dir(sb.Config), "mappings", "hubspot-contacts.yaml")
	if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	environ := sb.Environ("127.0.0.1:0")
	run := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := run(context.Background(), args, environ, &out, &errb)
		return code, out.String(), errb.String()
	}
	wantLines := []string{"hubspot-contacts.yaml:4:", "hubspot-contacts.yaml:5:", "hubspot-contacts.yaml:6:", "hubspot-contacts.yaml:7:"}

	code, _, stderr := run("validate", "-c", sb.Config)
	if code != exitMapping {
		t.Fatalf("validate exit %d, want 3:\n%s", code, stderr)
	}
	for _, w := range wantLines {
		if !regexp.MustCompile(regexp.QuoteMeta(w) + `\d+: `).MatchString(stderr) {
			t.Errorf("validate does not report %s<col>:\n%s", w, stderr)
		}
	}

	code, stdout, stderr := run("sync", "-c", sb.Config, "--dry-run", "--log-level", "error")
	if code != exitMapping {
		t.Fatalf("dry run exit %d, want 3:\n%s\n%s", code, stdout, stderr)
	}
	for _, w := range wantLines {
		if !strings.Contains(stdout, w) {
			t.Errorf("dry run does not report %s:\n%s", w, stdout)
		}
	}
	for _, field := range []string{"hs_email_domain", "no_such_property", "seniority_level", "state"} {
		if !regexp.MustCompile(`(?m)^\s+\d+\s+` + field + `\s+invalid`).MatchString(stdout) {
			t.Errorf("dry run names no record for field %s", field)
		}
	}
	if n := len(sb.HubSpot.Contacts()); n != 30 {
		t.Fatalf("contacts: %d", n)
	}
	for id, c := range sb.HubSpot.Contacts() {
		if c["state"] != "" || c["seniority_level"] != "" {
			t.Errorf("the dry run wrote to contact %s", id)
		}
	}
}
