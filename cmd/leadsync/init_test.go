package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/leadsync/leadsync/connector/sandbox"
	"github.com/leadsync/leadsync/crm/hubspot/hubspottest"
	"github.com/leadsync/leadsync/crm/salesforce/salesforcetest"
)

var updateInit = flag.Bool("update", false, "rewrite the golden files of testdata/init")

// initSource is a user's config whose accounts init reads with; the fakes' addresses
// come from LEADSYNC_… overrides, so that the copied entries are stable.
const initSource = `lusha:
  api_key: ${env:LUSHA_API_KEY}
  budget: { credits_per_day: 1000 }
crms:
  hs:
    kind: hubspot
    token: ${env:HUBSPOT_TOKEN}   # a private-app token
    base_url: http://127.0.0.1:1
  sf:
    kind: salesforce
    login_url: http://127.0.0.1:1
    client_id: ${env:SF_CLIENT_ID}
    client_secret: ${env:SF_CLIENT_SECRET}
pipelines:
  - { name: old, crm: hs, object: contacts, mapping: old.yaml }
`

// bareFakes starts a fake HubSpot portal and Salesforce org holding only their
// standard fields (no enrichment marker), and the environment that points at them.
func bareFakes(t *testing.T) []string {
	t.Helper()
	hs := hubspottest.NewServer(hubspottest.Options{})
	if err := hs.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = hs.Close() })
	sf := salesforcetest.NewServer(salesforcetest.Options{})
	if err := sf.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sf.Close() })
	return []string{
		"LUSHA_API_KEY=lusha-key", "HUBSPOT_TOKEN=" + hs.Token(),
		"SF_CLIENT_ID=" + sf.ClientID(), "SF_CLIENT_SECRET=" + sf.ClientSecret(),
		"LEADSYNC_CRMS__HS__BASE_URL=" + hs.URL(), "LEADSYNC_CRMS__SF__LOGIN_URL=" + sf.URL(),
	}
}

// TestInitGolden runs init against the fakes for people and company objects of both
// CRMs, compares what it writes with testdata/init (go test -run TestInitGolden
// -update rewrites them), and checks that validate accepts the result at once,
// offline and against the same fakes.
func TestInitGolden(t *testing.T) {
	cases := []struct {
		name, crm, object string
		sandbox           bool
	}{
		{"hubspot-contacts", "hubspot", "contacts", false},
		{"hubspot-companies", "hubspot", "companies", false},
		{"salesforce-lead", "salesforce", "Lead", false},
		{"salesforce-account", "salesforce", "Account", false},
		{"salesforce-contact", "salesforce", "Contact", false},
		{"sandbox-hubspot-contacts", "hubspot", "contacts", true},
		{"sandbox-salesforce-account", "salesforce", "Account", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			args := []string{"init", "--crm", tc.crm, "--object", tc.object, "--out", out}
			var environ []string
			if tc.sandbox {
				args = append(args, "--sandbox")
			} else {
				environ = bareFakes(t)
				src := filepath.Join(t.TempDir(), "leadsync.yaml")
				if err := os.WriteFile(src, []byte(initSource), 0o600); err != nil {
					t.Fatal(err)
				}
				args = append(args, "-c", src)
			}
			code, stdout, stderr := runInit(environ, args...)
			if code != exitOK {
				t.Fatalf("init exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
			base := tc.crm + "-" + strings.ToLower(tc.object)
			cfgFile := filepath.Join(out, base+".yaml")
			got := map[string]string{
				"config.yaml":  readFile(t, cfgFile),
				"mapping.yaml": readFile(t, filepath.Join(out, "mappings", base+".yaml")),
				"stdout.txt":   strings.ReplaceAll(stdout, out, "OUT"),
			}
			dir := filepath.Join("testdata", "init", tc.name)
			for name, text := range got {
				golden := filepath.Join(dir, name)
				if *updateInit {
					if err := os.MkdirAll(dir, 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(golden, []byte(text), 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run with -update to write it)", err)
				}
				if string(want) != text {
					t.Errorf("%s differs from %s (run with -update to accept):\n--- got\n%s\n--- want\n%s", name, golden, text, want)
				}
			}

			if tc.sandbox { // the sandbox init started is gone: validate against a new one
				sb, err := sandbox.Start(sandbox.Options{Seed: 1})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(sb.Close)
				environ = sb.Environ("")
			}
			for _, mode := range [][]string{{"--offline"}, nil} {
				code, stdout, stderr := runInit(environ, append([]string{"validate", "-c", cfgFile}, mode...)...)
				if code != exitOK {
					t.Errorf("validate %v: exit %d\nstdout:\n%s\nstderr:\n%s", mode, code, stdout, stderr)
				}
			}
		})
	}
}

// TestInitWithoutConfig: -c none reads with the template's account, its token from
// HUBSPOT_TOKEN, and what it writes validates in the same environment.
func TestInitWithoutConfig(t *testing.T) {
	fakes := bareFakes(t)
	var environ []string
	for _, kv := range fakes {
		if k, v, _ := strings.Cut(kv, "="); k == "LEADSYNC_CRMS__HS__BASE_URL" {
			environ = append(environ, "LEADSYNC_CRMS__HUBSPOT__BASE_URL="+v)
		} else if strings.HasPrefix(k, "LUSHA_") || strings.HasPrefix(k, "HUBSPOT_") {
			environ = append(environ, kv)
		}
	}
	out := t.TempDir()
	code, stdout, stderr := runInit(environ, "init", "--crm", "hubspot", "--object", "contacts", "-c", "none", "--out", out)
	if code != exitOK {
		t.Fatalf("init: exit %d\n%s%s", code, stdout, stderr)
	}
	cfg := readFile(t, filepath.Join(out, "hubspot-contacts.yaml"))
	for _, want := range []string{"token: ${env:HUBSPOT_TOKEN}", "api_key: ${env:LUSHA_API_KEY}", "crm: hubspot\n"} {
		if !strings.Contains(cfg, want) {
			t.Errorf("config lacks %q:\n%s", want, cfg)
		}
	}
	if code, _, stderr := runInit(environ, "validate", "-c", filepath.Join(out, "hubspot-contacts.yaml")); code != exitOK {
		t.Errorf("validate: exit %d: %s", code, stderr)
	}
	// Salesforce without a config needs the JWT bearer's user and key named.
	code, _, stderr = runInit(environ, "init", "--crm", "salesforce", "--object", "Lead", "-c", "none", "--out", out)
	if code != exitUsage || !strings.Contains(stderr, "SF_USERNAME") {
		t.Errorf("salesforce -c none: exit %d, stderr %q; want %d naming SF_USERNAME", code, stderr, exitUsage)
	}
}

// TestInitNames: the names a CRM gives a field normalize onto the answer's.
func TestInitNames(t *testing.T) {
	for in, want := range map[string]string{"hs_linkedin_url": "linkedinurl", "Lusha_Enriched_At__c": "enrichedat",
		"MailingCity": "city", "NumberOfEmployees": "numberofemployees", "jobTitle": "jobtitle",
		"LinkedIn_Company_Page__c": "linkedincompanypage", "State/Region": "stateregion", "URLField": "urlfield"} {
		if got := normName(in); got != want {
			t.Errorf("normName(%q) = %q, want %q", in, got, want)
		}
	}
	paths := map[string]bool{}
	for _, c := range answerCandidates() {
		paths[c.path] = true
	}
	for _, p := range []string{"contact.jobTitle.title", "contact.phones[type=mobile].number", "contact.socialLinks.linkedin",
		"company.industry", "company.employeeCount.exact", "company.technologies", "company.funding.totalRoundsAmount"} {
		if !paths[p] {
			t.Errorf("no candidate %s", p)
		}
	}
}

// TestInitRefusesToOverwrite: a second init into the same folder stops, unless --force.
func TestInitRefusesToOverwrite(t *testing.T) {
	environ := bareFakes(t)
	src := filepath.Join(t.TempDir(), "leadsync.yaml")
	if err := os.WriteFile(src, []byte(initSource), 0o600); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	args := []string{"init", "--crm", "hubspot", "--object", "contacts", "-c", src, "--out", out}
	if code, _, stderr := runInit(environ, args...); code != exitOK {
		t.Fatalf("first init: exit %d: %s", code, stderr)
	}
	if code, _, stderr := runInit(environ, args...); code != exitUsage || !strings.Contains(stderr, "--force") {
		t.Fatalf("second init: exit %d, stderr %q; want %d naming --force", code, stderr, exitUsage)
	}
	if code, _, stderr := runInit(environ, append(args, "--force")...); code != exitOK {
		t.Fatalf("init --force: exit %d: %s", code, stderr)
	}
}

func runInit(environ []string, args ...string) (int, string, string) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out, errb bytes.Buffer
	code := run(ctx, args, environ, &out, &errb)
	return code, out.String(), errb.String()
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
