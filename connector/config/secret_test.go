package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

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

// TestCheckSecrets: every secret a config names is read before anything runs, and one
// that cannot be read is reported at its key's file:line:col, never with a value.
func TestCheckSecrets(t *testing.T) {
	env := map[string]string{"LUSHA_API_KEY": "lusha-value", "HUBSPOT_TOKEN": "hs-value", "SF_CLIENT_ID": "sf-value"}
	getenv := func(k string) string { return env[k] }
	cfg, err := Load("testdata/conf.good.yml", nil)
	if err != nil {
		t.Fatal(err)
	}
	if errs := cfg.CheckSecrets(getenv); errs != nil {
		t.Fatalf("all set: %v", errs)
	}
	delete(env, "LUSHA_API_KEY")
	want := "testdata/conf.good.yml:9:3: lusha.api_key: environment variable LUSHA_API_KEY is not set"
	if errs := cfg.CheckSecrets(getenv); errs.Error() != want {
		t.Errorf("unset variable:\n%v\nwant:\n%s", errs, want)
	}

	dir := t.TempDir()
	empty := writeFile(t, dir, "empty", "\n")
	if err := os.Mkdir(filepath.Join(dir, "a-directory"), 0o700); err != nil {
		t.Fatal(err)
	}
	body := "lusha: { api_key: \"${file:" + filepath.Join(dir, "missing") + "}\" }\n" +
		"crms:\n  hs: { kind: hubspot, token: \"${file:" + filepath.Join(dir, "a-directory") + "}\" }\n" +
		"  hs2: { kind: hubspot, token: \"${file:" + empty + "}\" }\n"
	path := writeFile(t, dir, "c.yaml", body)
	cfg, err = Load(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	errs := cfg.CheckSecrets(getenv)
	wants := []string{
		path + ":1:10: lusha.api_key: read secret file: open " + filepath.Join(dir, "missing") + ": no such file or directory",
		path + ":3:24: crms.hs.token: read secret file: read " + filepath.Join(dir, "a-directory") + ": is a directory",
		path + ":4:25: crms.hs2.token: secret file " + empty + " is empty",
	}
	if got := errs.Error(); got != strings.Join(wants, "\n") {
		t.Errorf("file secrets:\n%s\nwant:\n%s", got, strings.Join(wants, "\n"))
	}
	for _, v := range env {
		if strings.Contains(errs.Error(), v) {
			t.Errorf("error holds the secret value %q", v)
		}
	}
}
