package config

import (
	"os"
	"path/filepath"
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

// TestFileSecretFromCredentialsDirectory: under systemd's LoadCredential=, a relative
// ${file:NAME} is read from $CREDENTIALS_DIRECTORY; an absolute path is read as it is
// there too, and without the variable a relative path is read from the working
// directory, as before.
func TestFileSecretFromCredentialsDirectory(t *testing.T) {
	creds := t.TempDir()
	writeFile(t, creds, "lusha_api_key", "from-credentials\n")
	other := writeFile(t, t.TempDir(), "abs", "from-absolute\n")
	env := map[string]string{CredentialsDirectoryEnv: creds}
	getenv := func(k string) string { return env[k] }

	s, err := SecretRef("${file:lusha_api_key}").Resolve(getenv)
	if err != nil || s.Reveal() != "from-credentials" {
		t.Errorf("relative path under $CREDENTIALS_DIRECTORY: got %q, %v", s.Reveal(), err)
	}
	s, err = SecretRef("${file:" + other + "}").Resolve(getenv)
	if err != nil || s.Reveal() != "from-absolute" {
		t.Errorf("absolute path with $CREDENTIALS_DIRECTORY set: got %q, %v", s.Reveal(), err)
	}
	_, err = SecretRef("${file:missing}").Resolve(getenv)
	if err == nil || !strings.Contains(err.Error(), filepath.Join(creds, "missing")) {
		t.Errorf("a missing credential: %v, want an error naming %s", err, filepath.Join(creds, "missing"))
	}

	// Without the variable, a relative path is the working directory's.
	wd := t.TempDir()
	writeFile(t, wd, "lusha_api_key", "from-working-directory\n")
	t.Chdir(wd)
	delete(env, CredentialsDirectoryEnv)
	s, err = SecretRef("${file:lusha_api_key}").Resolve(getenv)
	if err != nil || s.Reveal() != "from-working-directory" {
		t.Errorf("relative path without $CREDENTIALS_DIRECTORY: got %q, %v", s.Reveal(), err)
	}

	// CheckSecrets, which every command runs first, reads them the same way.
	env[CredentialsDirectoryEnv] = creds
	path := writeFile(t, t.TempDir(), "c.yaml", "lusha: { api_key: \"${file:lusha_api_key}\" }\n")
	cfg, err := Load(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if errs := cfg.CheckSecrets(getenv); errs != nil {
		t.Errorf("CheckSecrets with the credential in $CREDENTIALS_DIRECTORY: %v", errs)
	}
	if err := os.Remove(filepath.Join(creds, "lusha_api_key")); err != nil {
		t.Fatal(err)
	}
	if errs := cfg.CheckSecrets(getenv); errs == nil {
		t.Error("CheckSecrets passed with the credential gone")
	}
}
