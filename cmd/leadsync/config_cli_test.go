package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// checkedConfig is a config that every command loads before it opens the state, in a
// folder of its own; its state would be state/leadsync.db beside it.
const checkedConfig = `state: { path: state/leadsync.db }
http: { listen: "127.0.0.1:0" }
lusha: { api_key: "${env:LUSHA_API_KEY}" }
crms:
  hs: { kind: hubspot, token: "${env:HUBSPOT_TOKEN}", base_url: "http://127.0.0.1:1" }
pipelines:
  - { name: p, crm: hs, object: contacts, mapping: mapping.yaml }
`

// badSetup is one way a config cannot run, and what every command must say about it.
type badSetup struct {
	name    string
	config  string            // the config file's text
	files   map[string]string // more files beside it
	environ []string
	code    int
	want    string // in stderr, after the config's path
}

func badSetups(t *testing.T) []badSetup {
	mapping, err := os.ReadFile("../../configs/mappings/hubspot-contacts.yaml")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{"mapping.yaml": string(mapping)}
	secrets := []string{"LUSHA_API_KEY=lusha-value", "HUBSPOT_TOKEN=hubspot-value"}
	return []badSetup{
		{name: "unset secret", config: checkedConfig, files: files, environ: secrets[1:], code: exitUsage,
			want: ":3:10: lusha.api_key: environment variable LUSHA_API_KEY is not set"},
		{name: "empty config", config: "# nothing yet\n", environ: secrets, code: exitUsage,
			want: ":1:1: the file holds no settings"},
		{name: "missing secret file", files: files, environ: secrets, code: exitUsage,
			config: strings.Replace(checkedConfig, "${env:LUSHA_API_KEY}", "${file:/nonexistent/lusha.key}", 1),
			want:   ":3:10: lusha.api_key: read secret file: open /nonexistent/lusha.key: no such file or directory"},
		{name: "missing mapping", config: checkedConfig, environ: secrets, code: exitUsage,
			want: "pipelines[0].mapping:"},
		{name: "bad mapping", config: checkedConfig, environ: secrets, code: exitMapping,
			files: map[string]string{"mapping.yaml": strings.Replace(string(mapping), "contact.jobTitle.title", "contact.jobtitle", 1)},
			want:  "contact.jobtitle"},
	}
}

// write lays the setup out in a new folder and returns the config's path.
func (b badSetup) write(t *testing.T) string {
	dir := t.TempDir()
	for name, body := range b.files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "leadsync.yaml")
	if err := os.WriteFile(path, []byte(b.config), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func runWith(environ []string, args ...string) (int, string) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second) // run must not start
	defer cancel()
	var out, errb bytes.Buffer
	code := run(ctx, args, environ, &out, &errb)
	return code, errb.String()
}

// TestValidateRefusesWhatSyncRefuses: an unset secret, an unreadable secret file, an
// empty config and a broken mapping fail validate, online and offline, with the exit
// code and the message sync gives, at the key's file:line:col.
func TestValidateRefusesWhatSyncRefuses(t *testing.T) {
	for _, b := range badSetups(t) {
		t.Run(b.name, func(t *testing.T) {
			path := b.write(t)
			for _, args := range [][]string{{"validate", "--offline"}, {"validate"}, {"sync", "--dry-run"}} {
				code, stderr := runWith(b.environ, append(args, "-c", path)...)
				if code != b.code || !strings.Contains(stderr, b.want) {
					t.Errorf("%v: exit %d, want %d with %q; stderr:\n%s", args, code, b.code, b.want, stderr)
				}
				for _, kv := range b.environ {
					if _, v, _ := strings.Cut(kv, "="); strings.Contains(stderr, v) {
						t.Errorf("%v: stderr holds the secret value %q", args, v)
					}
				}
			}
		})
	}
	good := badSetup{config: checkedConfig, files: badSetups(t)[0].files}
	if code, stderr := runWith([]string{"LUSHA_API_KEY=k", "HUBSPOT_TOKEN=t"}, "validate", "--offline", "-c", good.write(t)); code != exitOK {
		t.Errorf("the good config: exit %d\n%s", code, stderr)
	}
}

// TestBadConfigCreatesNoState: no command creates the state file, or its folder, for a
// config that cannot run.
func TestBadConfigCreatesNoState(t *testing.T) {
	commands := [][]string{{"sync"}, {"run"}, {"status"}, {"retry"}, {"forget", "--email", "a@example.com"}}
	for _, b := range badSetups(t) {
		t.Run(b.name, func(t *testing.T) {
			path := b.write(t)
			for _, args := range commands {
				code, stderr := runWith(b.environ, append(args, "-c", path)...)
				if code != b.code || !strings.Contains(stderr, b.want) {
					t.Errorf("%s: exit %d, want %d with %q; stderr:\n%s", args[0], code, b.code, b.want, stderr)
				}
				for _, left := range []string{"state", "leadsync.db"} { // the empty config's state is the default leadsync.db
					if _, err := os.Stat(filepath.Join(filepath.Dir(path), left)); err == nil {
						t.Fatalf("%s left %s behind", args[0], left)
					}
				}
			}
		})
	}
}

// TestHugeValueIsCutOnTheCommandLine: a 5 MB value in the config reaches the terminal
// as a few hundred bytes.
func TestHugeValueIsCutOnTheCommandLine(t *testing.T) {
	huge := strings.Repeat("5", 5<<20)
	b := badSetup{config: strings.Replace(checkedConfig, "mapping: mapping.yaml", `mapping: mapping.yaml, schedule: "`+huge+`"`, 1)}
	code, stderr := runWith(nil, "validate", "--offline", "-c", b.write(t))
	if code != exitUsage || !strings.Contains(stderr, "pipelines[0].schedule") || !strings.Contains(stderr, "(5242880 bytes)") {
		t.Errorf("exit %d; stderr starts %.300q", code, stderr)
	}
	if len(stderr) > 1000 {
		t.Errorf("stderr is %d bytes", len(stderr))
	}
}
