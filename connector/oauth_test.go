package connector

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/leadsync/leadsync/connector/config"
	"github.com/leadsync/leadsync/connector/run"
	"github.com/leadsync/leadsync/crm/hubspot/hubspottest"
)

// TestHubSpotOAuthExpiresMidRun is issue 4's sixth promise at the pipeline level: a
// HubSpot account configured for OAuth whose access token expires mid-run refreshes
// once and the run completes.
func TestHubSpotOAuthExpiresMidRun(t *testing.T) {
	app := hubspottest.OAuthApp{ClientID: "cid", ClientSecret: "csecret", RefreshToken: "rtoken"}
	h := newHarness(t, 450, previewMapping, harnessOptions{hub: hubspottest.Options{OAuth: app}})
	srv := httptest.NewServer(h.hub)
	defer srv.Close()
	env := map[string]string{"HS_ID": "cid", "HS_SECRET": "csecret", "HS_REFRESH": "rtoken"}
	adapter, err := NewCRM(config.CRM{Kind: "hubspot", BaseURL: srv.URL, ClientID: "${env:HS_ID}",
		ClientSecret: "${env:HS_SECRET}", RefreshToken: "${env:HS_REFRESH}", SettleLag: new(time.Duration(0))},
		func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	h.pipe.CRM = adapter.(run.CRM)
	pages := 0
	h.runner.Progress = func(Progress) {
		if pages++; pages == 1 {
			h.hub.ExpireTokens()
		}
	}
	sum := h.run(RunOptions{})
	if sum.Status != RunOK || sum.RecordsRead != 450 {
		t.Fatalf("status %s, read %d: %s", sum.Status, sum.RecordsRead, sum.Error)
	}
	if n := h.hub.TokensIssued(); n != 2 {
		t.Errorf("%d access tokens issued, want 2 (the first and one refresh)", n)
	}
}
