package salesforcetest_test

import (
	"encoding/json"
	"net/url"
	"testing"

	"github.com/leadsync/leadsync/crm/salesforce/salesforcetest"
)

// TestRefreshTokenRotation follows reference §2.4 (help "OAuth 2.0 Refresh Token Flow
// for Renewed Sessions"): the refresh answer carries no refresh_token, unless the
// connected app rotates refresh tokens; then it carries a new one and the old one is
// invalidated, answering invalid_grant "expired access/refresh token" (§2.1's table).
func TestRefreshTokenRotation(t *testing.T) {
	refresh := func(o *org, token string) (int, map[string]string) {
		status, body := o.post(t, "/services/oauth2/token", url.Values{"grant_type": {"refresh_token"},
			"refresh_token": {token}, "client_id": {o.fake.ClientID()}, "client_secret": {o.fake.ClientSecret()}})
		var out map[string]string
		if err := json.Unmarshal(body, &out); err != nil {
			t.Fatalf("%d %s", status, body)
		}
		return status, out
	}

	o := newOrg(t, salesforcetest.Options{})
	t0 := o.fake.IssueRefreshToken()
	for range 2 {
		if status, out := refresh(o, t0); status != 200 || out["access_token"] == "" || out["refresh_token"] != "" {
			t.Fatalf("without rotation: %d %v", status, out)
		}
	}

	o = newOrg(t, salesforcetest.Options{RotateRefreshTokens: true})
	t0 = o.fake.IssueRefreshToken()
	status, out := refresh(o, t0)
	t1 := out["refresh_token"]
	if status != 200 || out["access_token"] == "" || t1 == "" || t1 == t0 {
		t.Fatalf("with rotation: %d %v, want a new refresh token", status, out)
	}
	if status, out := refresh(o, t0); status != 400 || out["error"] != "invalid_grant" || out["error_description"] != "expired access/refresh token" {
		t.Errorf("the rotated-away token: %d %v, want invalid_grant", status, out)
	}
	if status, out := refresh(o, t1); status != 200 || out["refresh_token"] == "" || out["refresh_token"] == t1 {
		t.Errorf("the new token: %d %v, want it to renew and rotate again", status, out)
	}
}
