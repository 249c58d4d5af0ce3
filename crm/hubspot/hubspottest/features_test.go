package hubspottest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestTierLimitsAndOAuthHeaders(t *testing.T) {
	tests := []struct {
		tier       Tier
		max, daily string
	}{
		{"", "100", "250000"},
		{TierProfessional, "190", "625000"},
		{TierEnterprise, "190", "1000000"},
		{TierPublicApp, "110", ""},
	}
	for _, tt := range tests {
		t.Run(string(tt.tier), func(t *testing.T) {
			s, _ := newFake(Options{Tier: tt.tier})
			_, h, _ := call(t, s, "GET", "/crm/v3/properties/contacts", "")
			if h.Get("X-HubSpot-RateLimit-Max") != tt.max || h.Get("X-HubSpot-RateLimit-Daily") != tt.daily {
				t.Errorf("max %q daily %q, want %q %q", h.Get("X-HubSpot-RateLimit-Max"), h.Get("X-HubSpot-RateLimit-Daily"), tt.max, tt.daily)
			}
		})
	}
}

// token posts a refresh to the token endpoint.
func token(t *testing.T, s *Server, ct string, form url.Values) (int, map[string]any) {
	t.Helper()
	req := httptest.NewRequest("POST", "/oauth/v1/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", ct)
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	out := map[string]any{}
	if err := jsonDecode(rec.Body.String(), &out); err != nil || rec.Header().Get("Content-Type") != contentType {
		t.Fatalf("token answer %q (%v), content type %q", rec.Body.String(), err, rec.Header().Get("Content-Type"))
	}
	return rec.Code, out
}

func TestOAuthTokenEndpoint(t *testing.T) {
	s, clk := newFake(Options{OAuth: OAuthApp{TokenTTL: time.Hour}})
	app := s.OAuth()
	good := url.Values{"grant_type": {"refresh_token"}, "client_id": {app.ClientID}, "client_secret": {app.ClientSecret}, "refresh_token": {app.RefreshToken}}
	with := func(k, v string) url.Values {
		f := url.Values{}
		for key, vals := range good {
			f[key] = vals
		}
		f.Set(k, v)
		return f
	}
	form := "application/x-www-form-urlencoded"
	tests := []struct {
		name   string
		ct     string
		form   url.Values
		status int
		code   string
	}{
		{"refresh", form, good, 200, ""},
		{"json body", "application/json", good, 400, "invalid_request"},
		{"bad grant", form, with("grant_type", "authorization_code"), 400, "unsupported_grant_type"},
		{"bad client", form, with("client_id", "x"), 400, "invalid_client"},
		{"bad secret", form, with("client_secret", "x"), 400, "invalid_client"},
		{"bad refresh token", form, with("refresh_token", "x"), 400, "invalid_grant"},
	}
	for _, tt := range tests {
		status, out := token(t, s, tt.ct, tt.form)
		if status != tt.status || tt.code != "" && out["error"] != tt.code {
			t.Errorf("%s: %d %v", tt.name, status, out)
		}
	}
	_, out := token(t, s, form, good)
	if out["expires_in"] != float64(3600) || out["token_type"] != "bearer" || out["refresh_token"] != app.RefreshToken {
		t.Errorf("token = %v", out)
	}
	access := out["access_token"].(string)
	get := func() (int, http.Header, string) {
		req := httptest.NewRequest("GET", "/crm/v3/properties/contacts", nil)
		req.Header.Set("Authorization", "Bearer "+access)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		return rec.Code, rec.Header(), rec.Body.String()
	}
	if code, h, _ := get(); code != 200 || h.Get("X-HubSpot-RateLimit-Daily") != "" || h.Get("X-HubSpot-RateLimit-Max") == "" {
		t.Errorf("OAuth call: %d, headers %v (no daily headers for OAuth)", code, h)
	}
	clk.Advance(time.Hour + 5*time.Second)
	if code, _, body := get(); code != 401 || !strings.Contains(body, "EXPIRED_AUTHENTICATION") || !strings.Contains(body, "expired 5 second(s) ago") {
		t.Errorf("expired token: %d %s", code, body)
	}
	_, out = token(t, s, form, good)
	access = out["access_token"].(string)
	s.ExpireTokens()
	if code, _, _ := get(); code != 401 {
		t.Errorf("after ExpireTokens: %d", code)
	}
	if s.TokensIssued() != 3 {
		t.Errorf("TokensIssued = %d", s.TokensIssued())
	}
}

func TestRotatingRefreshTokens(t *testing.T) {
	s, _ := newFake(Options{OAuth: OAuthApp{RotateRefreshTokens: true}})
	first := s.OAuth()
	form := url.Values{"grant_type": {"refresh_token"}, "client_id": {first.ClientID}, "client_secret": {first.ClientSecret}, "refresh_token": {first.RefreshToken}}
	_, out := token(t, s, "application/x-www-form-urlencoded", form)
	if out["refresh_token"] == first.RefreshToken || out["refresh_token"] != s.OAuth().RefreshToken {
		t.Errorf("refresh token not rotated: %v", out)
	}
	if status, _ := token(t, s, "application/x-www-form-urlencoded", form); status != 400 {
		t.Errorf("old refresh token accepted: %d", status)
	}
}

func TestFailNext(t *testing.T) {
	s, _ := newFake(Options{})
	tests := []struct {
		status     int
		category   string
		retryAfter string
	}{
		{423, "LOCKED", ""},
		{477, "MIGRATION_IN_PROGRESS", "3600"},
		{503, "INTERNAL_ERROR", ""},
		{429, "RATE_LIMITS", ""},
	}
	for _, tt := range tests {
		s.FailNext(tt.status, 1)
		code, h, out := call(t, s, "GET", "/crm/v3/properties/contacts", "")
		if code != tt.status || out["category"] != tt.category || h.Get("Retry-After") != tt.retryAfter {
			t.Errorf("FailNext(%d): %d %v Retry-After %q", tt.status, code, out, h.Get("Retry-After"))
		}
		if code, _, _ := call(t, s, "GET", "/crm/v3/properties/contacts", ""); code != 200 {
			t.Errorf("after one injected %d: %d", tt.status, code)
		}
	}
}

// chaosRun counts the answers of n calls under chaos.
func chaosRun(t *testing.T, s *Server, n int) map[int]int {
	t.Helper()
	got := map[int]int{}
	for range n {
		code, _, _ := call(t, s, "POST", "/crm/v3/objects/contacts/search", `{"limit":1}`)
		got[code]++
	}
	return got
}

func TestChaos(t *testing.T) {
	opts := Options{Chaos: 0.3, Seed: 42, SlowAnswer: time.Microsecond, SearchPerSecond: -1}
	s, _ := newFake(opts)
	got := chaosRun(t, s, 600)
	failed := 600 - got[200]
	// A third of the chaos is slow answers that still succeed: about 20 % fail.
	if failed < 60 || failed > 180 || got[429] == 0 || got[500]+got[502]+got[503]+got[504] == 0 {
		t.Errorf("answers under 30 %% chaos: %v", got)
	}
	again, _ := newFake(opts)
	if other := chaosRun(t, again, 600); !equalCounts(got, other) {
		t.Errorf("same seed, different chaos: %v vs %v", got, other)
	}
	s.SetChaos(0)
	if got := chaosRun(t, s, 50); got[200] != 50 {
		t.Errorf("chaos off: %v", got)
	}
}

func equalCounts(a, b map[int]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestBatchUpsert(t *testing.T) {
	s, _ := newFake(Options{})
	existing := s.AddContact(map[string]string{"email": "old@x.com"})
	code, _, out := call(t, s, "POST", "/crm/v3/objects/contacts/batch/upsert",
		`{"inputs":[{"id":"OLD@x.com","idProperty":"email","properties":{"firstname":"Old"}},{"id":"new@x.com","idProperty":"email","properties":{"firstname":"New"}}]}`)
	if code != 200 {
		t.Fatalf("upsert: %d %v", code, out)
	}
	res := out["results"].([]any)
	if r := res[0].(map[string]any); r["id"] != existing || r["new"] != false {
		t.Errorf("existing = %v", r)
	}
	if r := res[1].(map[string]any); r["new"] != true {
		t.Errorf("created = %v", r)
	}
	// By email, one bad value refuses the batch; by domain it fails alone.
	if code, _, _ := call(t, s, "POST", "/crm/v3/objects/contacts/batch/upsert",
		`{"inputs":[{"id":"a@x.com","idProperty":"email","properties":{"hs_lead_status":"HOT"}},{"id":"b@x.com","idProperty":"email","properties":{}}]}`); code != 400 {
		t.Errorf("email upsert with a bad value: %d", code)
	}
	if code, _, out := call(t, s, "POST", "/crm/v3/objects/companies/batch/upsert",
		`{"inputs":[{"id":"a.com","idProperty":"domain","properties":{"industry":"NOPE"}},{"id":"b.com","idProperty":"domain","properties":{"name":"B"}}]}`); code != 207 || len(out["results"].([]any)) != 1 {
		t.Errorf("domain upsert with a bad value: %d %v", code, out)
	}
	if code, _, _ := call(t, s, "POST", "/crm/v3/objects/contacts/batch/upsert",
		`{"inputs":[{"id":"x","idProperty":"firstname","properties":{}}]}`); code != 400 {
		t.Errorf("upsert by a non-unique property: %d", code)
	}
}

func TestAssociationsAndLeads(t *testing.T) {
	s, _ := newFake(Options{})
	contact := s.AddContact(map[string]string{"email": "a@acme.com", "firstname": "Ann"})
	alone := s.AddContact(map[string]string{"email": "b@x.com"})
	acme := s.Add("companies", map[string]string{"name": "Acme", "domain": "acme.com"})
	other := s.Add("companies", map[string]string{"name": "Other"})
	s.Associate(contact, other, false)
	s.Associate(contact, acme, true)
	lead := s.AddLead(contact, map[string]string{"hs_lead_name": "Ann"})
	if l, _ := s.Get("leads", lead); l["hs_associated_contact_email"] != "a@acme.com" || l["hs_associated_company_domain"] != "acme.com" {
		t.Errorf("lead = %v", l)
	}
	code, _, out := call(t, s, "POST", "/crm/v4/associations/contact/company/batch/read",
		`{"inputs":[{"id":"`+contact+`"},{"id":"`+alone+`"}]}`)
	if code != 207 || out["numErrors"] != float64(1) {
		t.Fatalf("batch read: %d %v", code, out)
	}
	to := out["results"].([]any)[0].(map[string]any)["to"].([]any)
	primary := map[string]bool{}
	for _, x := range to {
		m := x.(map[string]any)
		for _, at := range m["associationTypes"].([]any) {
			if at.(map[string]any)["typeId"] == float64(1) {
				primary[m["toObjectId"].(string)] = true
			}
		}
	}
	if len(to) != 2 || !primary[acme] || primary[other] {
		t.Errorf("associations = %v", to)
	}
	if code, _, out := call(t, s, "GET", "/crm/v4/objects/leads/"+lead+"/associations/contacts", ""); code != 200 || len(out["results"].([]any)) != 1 {
		t.Errorf("lead's contacts: %d %v", code, out)
	}
	// A merge carries the associations over to the new record.
	merged := s.MergeContacts(contact, alone)
	if code, _, out := call(t, s, "GET", "/crm/v4/objects/contacts/"+merged+"/associations/companies", ""); code != 200 || len(out["results"].([]any)) != 2 {
		t.Errorf("merged contact's companies: %d %v", code, out)
	}
	if code, _, _ := call(t, s, "POST", "/crm/v3/objects/widgets/search", `{}`); code != 400 {
		t.Errorf("unknown object: %d", code)
	}
}

func jsonDecode(s string, v any) error { return json.Unmarshal([]byte(s), v) }
