package connector

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/leadsync/leadsync/connector/config"
	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/hubspot/hubspottest"
	"github.com/leadsync/leadsync/crm/salesforce/salesforcetest"
)

// TestSettleLagUnsetIsTheAdaptersDefault (issue 13, Salesforce 7): a config without
// settle_lag gives each adapter its documented 10s default, not the zero an explicit
// value would pass: a record stamped a second ago stays out of the read until it has
// settled, and settle_lag: 0s reads it at once. (Waits for one second boundary; it
// asserts on what is read, not on how long anything took.)
func TestSettleLagUnsetIsTheAdaptersDefault(t *testing.T) {
	sf := salesforcetest.NewServer(salesforcetest.Options{})
	hs := hubspottest.NewServer(hubspottest.Options{})
	for _, start := range []func(string) error{sf.Start, hs.Start} {
		if err := start("127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { _ = sf.Close(); _ = hs.Close() })
	sf.AddLead(map[string]string{"LastName": "Fresh"})
	hs.AddContact(map[string]string{"lastname": "Fresh"})
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second + 10*time.Millisecond)))

	env := map[string]string{"K": "k", "SF_ID": sf.ClientID(), "SF_SECRET": sf.ClientSecret(), "HS_TOKEN": hs.Token()}
	accounts := "  sf: { kind: salesforce, login_url: " + sf.URL() + ", client_id: \"${env:SF_ID}\", " +
		"client_secret: \"${env:SF_SECRET}\"%s }\n" +
		"  hs: { kind: hubspot, base_url: " + hs.URL() + ", token: \"${env:HS_TOKEN}\"%s }\n"
	for _, tt := range []struct {
		name, extra string
		want        int
	}{{"unset", "", 0}, {"0s", ", settle_lag: 0s", 1}} {
		p := filepath.Join(t.TempDir(), "c.yaml")
		body := "lusha: { api_key: \"${env:K}\" }\ncrms:\n" + fmt.Sprintf(accounts, tt.extra, tt.extra)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, err := config.Load(p, nil)
		if err != nil {
			t.Fatal(err)
		}
		for name, object := range map[string]string{"sf": "Lead", "hs": "contacts"} {
			adapter, err := NewCRM(cfg.CRMs[name], func(k string) string { return env[k] })
			if err != nil {
				t.Fatal(err)
			}
			got := 0
			for page, err := range adapter.Changes(context.Background(), crm.ChangesRequest{Object: object}) {
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				got += len(page.Records)
			}
			if got != tt.want {
				t.Errorf("settle_lag %s: %s read %d records stamped a second ago, want %d", tt.name, name, got, tt.want)
			}
		}
	}
}
