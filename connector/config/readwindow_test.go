package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestReadWindowUnsetIsNotZero (issue 13, Salesforce 7): settle_lag and lookback left
// out stay unset, so that the adapters keep their defaults; an explicit 0s is zero, in
// the file and from the environment; a bare number still needs a unit.
func TestReadWindowUnsetIsNotZero(t *testing.T) {
	const base = "lusha: { api_key: \"${env:K}\" }\ncrms:\n  sf: { kind: salesforce, client_id: \"${env:ID}\"%s }\n"
	load := func(t *testing.T, extra string, environ ...string) (*Config, error) {
		t.Helper()
		return Load(writeFile(t, t.TempDir(), "c.yaml", strings.Replace(base, "%s", extra, 1)), environ)
	}
	c, err := load(t, "")
	if err != nil {
		t.Fatal(err)
	}
	if sf := c.CRMs["sf"]; sf.SettleLag != nil || sf.Lookback != nil {
		t.Errorf("unset settle_lag %v, lookback %v: want nil, the adapter's defaults", sf.SettleLag, sf.Lookback)
	}
	c, err = load(t, ", settle_lag: 0s, lookback: 2m")
	if err != nil {
		t.Fatal(err)
	}
	if sf := c.CRMs["sf"]; sf.SettleLag == nil || *sf.SettleLag != 0 || sf.Lookback == nil || *sf.Lookback != 2*time.Minute {
		t.Errorf("settle_lag %v, lookback %v: want 0s and 2m", sf.SettleLag, sf.Lookback)
	}
	c, err = load(t, "", "LEADSYNC_CRMS__SF__SETTLE_LAG=0s")
	if err != nil {
		t.Fatal(err)
	}
	if lag := c.CRMs["sf"].SettleLag; lag == nil || *lag != 0 {
		t.Errorf("settle_lag from the environment = %v, want 0s", lag)
	}
	if _, err := load(t, ", lookback: 300"); err == nil || !strings.Contains(err.Error(), "needs a unit") {
		t.Errorf("a bare number: %v", err)
	}
}

// TestReadWindowChecks: a negative window is refused at its key, and so is lookback on
// a HubSpot account, whose reads look back by overlap.
func TestReadWindowChecks(t *testing.T) {
	body := "lusha: { api_key: \"${env:K}\" }\ncrms:\n" +
		"  sf: { kind: salesforce, client_id: \"${env:ID}\", settle_lag: -1s }\n" +
		"  hs: { kind: hubspot, token: \"${env:T}\", lookback: 1m }\n"
	_, err := Load(writeFile(t, t.TempDir(), "c.yaml", body), nil)
	for _, want := range []string{"c.yaml:3:51: crms.sf.settle_lag: must not be negative",
		"c.yaml:4:43: crms.hs.lookback: lookback is Salesforce's"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
}

// overlap, like settle_lag: unset keeps the adapter's default, 0s means none.
func TestOverlapUnsetIsTheAdaptersDefault(t *testing.T) {
	for _, tc := range []struct {
		yaml string
		want *time.Duration
	}{
		{"", nil},
		{"\n    overlap: 0s", new(time.Duration(0))},
		{"\n    overlap: 30s", new(30 * time.Second)},
	} {
		path := filepath.Join(t.TempDir(), "leadsync.yaml")
		doc := `lusha: { api_key: "${env:K}" }
crms:
  hs:
    kind: hubspot
    token: "${env:T}"` + tc.yaml + "\n"
		if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := Load(path, nil)
		if err != nil {
			t.Fatalf("%q: %v", tc.yaml, err)
		}
		got := c.CRMs["hs"].Overlap
		if (got == nil) != (tc.want == nil) || (got != nil && *got != *tc.want) {
			t.Errorf("%q: overlap %v, want %v", tc.yaml, got, tc.want)
		}
	}
}
