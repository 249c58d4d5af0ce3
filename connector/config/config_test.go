package config

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func writeFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestLoadDecodes: the good fixture decodes key by key, and what it leaves out comes
// from the defaults.
func TestLoadDecodes(t *testing.T) {
	c, err := Load("testdata/conf.good.yml", nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Lusha.Budget.CreditsPerRun != 1000 || c.Pipelines[0].CacheTTL != 720*time.Hour || c.LeaseTTL != 90*time.Second {
		t.Errorf("decoded %+v", c)
	}
	if c.Pipelines[1].Filter.Equals["Status"] != "Open" || c.CRMs["sf-prod"].Username != "integration@acme.com" {
		t.Errorf("decoded %+v", c)
	}
	m, err := Load("testdata/conf.good.minimal.yml", nil)
	if err != nil {
		t.Fatal(err)
	}
	p := m.Pipelines[0]
	if m.Lusha.Rate.PerSecond != 25 || p.Schedule != "@every 5m" || p.CacheTTL != 30*24*time.Hour ||
		m.CRMs["hs"].Timeout != 30*time.Second || m.State.Path != "leadsync.db" {
		t.Errorf("defaults not applied: %+v", m)
	}
	if got := m.Resolve(p.Mapping); got != filepath.Join("testdata", "m.yaml") {
		t.Errorf("mapping resolves to %s, want it beside the config", got)
	}
}

// TestLoadEnvironment: LEADSYNC_… variables override keys, and one naming no key is an
// error like an unknown key in the file.
func TestLoadEnvironment(t *testing.T) {
	c, err := Load("testdata/conf.good.minimal.yml", []string{"LEADSYNC_LUSHA__RATE__PER_SECOND=7", "OTHER=1"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Lusha.Rate.PerSecond != 7 {
		t.Errorf("per_second = %v, want 7", c.Lusha.Rate.PerSecond)
	}
	_, err = Load("testdata/conf.good.minimal.yml", []string{"LEADSYNC_LUSHA__RATEE=1"})
	if want := "LEADSYNC_LUSHA__RATEE: environment variable names no config key"; err == nil || err.Error() != want {
		t.Errorf("error %v, want %q", err, want)
	}
	if !IsError(err) {
		t.Errorf("error %T is not a config error", err)
	}
	// The test suites' own variables configure no daemon and are no misspelt keys.
	if _, err := Load("testdata/conf.good.minimal.yml", []string{"LEADSYNC_TEST_POSTGRES_URL=postgres://h/db"}); err != nil {
		t.Errorf("LEADSYNC_TEST_… refused: %v", err)
	}
}

func TestRefreshCredits(t *testing.T) {
	env := []string{"LUSHA_API_KEY=k", "HUBSPOT_TOKEN=t"}
	c, err := Load("testdata/conf.good.refresh.yml", env)
	if err != nil {
		t.Fatal(err)
	}
	if p := c.Pipelines[0]; p.RefreshAfter != 2160*time.Hour || c.RefreshCredits() != 500 {
		t.Errorf("refresh_after %v, refresh credits %d; want 2160h and a quarter of 2000", p.RefreshAfter, c.RefreshCredits())
	}
	m, err := Load("testdata/conf.good.minimal.yml", env)
	if err != nil {
		t.Fatal(err)
	}
	if m.Lusha.Budget.RefreshShare != DefaultRefreshShare || m.Pipelines[0].RefreshAfter != 0 {
		t.Errorf("defaults: share %v, refresh_after %v", m.Lusha.Budget.RefreshShare, m.Pipelines[0].RefreshAfter)
	}
}
