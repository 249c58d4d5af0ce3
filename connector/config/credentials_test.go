package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

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
