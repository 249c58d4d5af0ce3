package salesforce_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/salesforce"
	"github.com/leadsync/leadsync/crm/salesforce/salesforcetest"
)

// stub answers the token endpoint with itself as instance and every data call with
// one canned answer.
func stub(t *testing.T, status int, body string) (*salesforce.Client, *atomic.Int32) {
	t.Helper()
	var tokens atomic.Int32
	var ts *httptest.Server
	ts = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/services/oauth2/token" {
			tokens.Add(1)
			fmt.Fprintf(w, `{"access_token":"tok-%d","instance_url":%q,"token_type":"Bearer"}`, tokens.Load(), ts.URL)
			return
		}
		w.Header().Set("Sforce-Limit-Info", "api-usage=7/15000; per-app-api-usage=1/250(appName=x)")
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}))
	t.Cleanup(ts.Close)
	c, err := salesforce.New(salesforce.Config{LoginURL: ts.URL, ClientID: "cid", ClientSecret: "s3cret-value"},
		salesforce.WithHTTPClient(ts.Client()))
	if err != nil {
		t.Fatal(err)
	}
	return c, &tokens
}

func TestErrorClasses(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		class  crm.Class
		code   string
		tokens int32
	}{
		{"session stays invalid", 401, `[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]`, crm.ClassAuth, "INVALID_SESSION_ID", 2},
		{"daily limit", 403, `[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]`, crm.ClassQuotaExhausted, "REQUEST_LIMIT_EXCEEDED", 1},
		{"concurrent limit", 403, `[{"message":"ConcurrentRequests (Concurrent API Requests) Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]`, crm.ClassRateLimited, "REQUEST_LIMIT_EXCEEDED", 1},
		{"no access", 403, `[{"message":"insufficient access rights on object id","errorCode":"INSUFFICIENT_ACCESS"}]`, crm.ClassAuth, "INSUFFICIENT_ACCESS", 1},
		{"server unavailable", 503, `[{"message":"Server temporarily unavailable.","errorCode":"SERVER_UNAVAILABLE"}]`, crm.ClassUnavailable, "SERVER_UNAVAILABLE", 1},
		{"html from the edge", 502, `<html>bad gateway</html>`, crm.ClassUnavailable, "", 1},
		{"internal", 500, `[{"message":"An unexpected error occurred.","errorCode":"UNKNOWN_EXCEPTION"}]`, crm.ClassUnavailable, "UNKNOWN_EXCEPTION", 1},
		{"malformed query", 400, `[{"message":"unexpected token: q","errorCode":"MALFORMED_QUERY"}]`, crm.ClassInvalid, "MALFORMED_QUERY", 1},
		{"invalid field", 400, `[{"message":"No such column 'Foo__c' on entity 'Lead'.","errorCode":"INVALID_FIELD"}]`, crm.ClassInvalid, "INVALID_FIELD", 1},
		{"locked", 400, `[{"message":"unable to obtain exclusive access to this record","errorCode":"UNABLE_TO_LOCK_ROW"}]`, crm.ClassRateLimited, "UNABLE_TO_LOCK_ROW", 1},
		{"expired locator", 400, `[{"message":"invalid query locator","errorCode":"INVALID_QUERY_LOCATOR"}]`, crm.ClassUnavailable, "INVALID_QUERY_LOCATOR", 1},
		{"not found", 404, `[{"errorCode":"NOT_FOUND","message":"The requested resource does not exist"}]`, crm.ClassInvalid, "NOT_FOUND", 1},
		{"garbled success", 200, `{"fields":[`, crm.ClassUnavailable, "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, tokens := stub(t, tt.status, tt.body)
			_, err := c.Schema(context.Background(), "Lead")
			ce, _ := err.(*crm.Error)
			if crm.ClassOf(err) != tt.class || ce == nil || ce.Code != tt.code {
				t.Fatalf("err = %v (class %q), want class %q code %q", err, crm.ClassOf(err), tt.class, tt.code)
			}
			if got := tokens.Load(); got != tt.tokens {
				t.Errorf("token requests = %d, want %d", got, tt.tokens)
			}
			if u, ok := c.APIUsage(); !ok || u.Used != 7 || u.Limit != 15000 {
				t.Errorf("usage = %+v %v", u, ok)
			}
			if strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), "tok-") {
				t.Errorf("error leaks a credential: %v", err)
			}
		})
	}
}

func TestAuthGrants(t *testing.T) {
	e := setup(t, salesforcetest.Options{})
	refresh := e.fake.IssueRefreshToken()
	base := salesforce.Config{LoginURL: e.url, ClientID: e.fake.ClientID()}
	tests := []struct {
		name  string
		cfg   func(salesforce.Config) salesforce.Config
		class crm.Class
	}{
		{"client credentials", func(c salesforce.Config) salesforce.Config { c.ClientSecret = e.fake.ClientSecret(); return c }, crm.ClassNone},
		{"refresh token", func(c salesforce.Config) salesforce.Config {
			c.ClientSecret, c.RefreshToken = e.fake.ClientSecret(), refresh
			return c
		}, crm.ClassNone},
		{"jwt bearer", func(c salesforce.Config) salesforce.Config {
			c.Username, c.PrivateKeyPEM = e.fake.Username(), keyPEM()
			return c
		}, crm.ClassNone},
		{"wrong secret", func(c salesforce.Config) salesforce.Config { c.ClientSecret = "wrong-secret-xyz"; return c }, crm.ClassAuth},
		{"revoked refresh token", func(c salesforce.Config) salesforce.Config {
			c.ClientSecret, c.RefreshToken = e.fake.ClientSecret(), "5Aep-revoked"
			return c
		}, crm.ClassAuth},
		{"jwt for another user", func(c salesforce.Config) salesforce.Config {
			c.Username, c.PrivateKeyPEM = "someone@else.test", keyPEM()
			return c
		}, crm.ClassAuth},
		{"jwt wrong audience", func(c salesforce.Config) salesforce.Config {
			c.Username, c.PrivateKeyPEM, c.Audience = e.fake.Username(), keyPEM(), "https://evil.example"
			return c
		}, crm.ClassAuth},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg(base)
			c, err := salesforce.New(cfg, salesforce.WithClock(e.clock.Now))
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Schema(context.Background(), "Lead")
			if got := crm.ClassOf(err); got != tt.class {
				t.Fatalf("class = %q (%v), want %q", got, err, tt.class)
			}
			for _, s := range []string{fmt.Sprint(c), fmt.Sprintf("%#v", c), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg), fmt.Sprint(err)} {
				for _, secret := range []string{e.fake.ClientSecret(), refresh, "wrong-secret-xyz", "PRIVATE KEY"} {
					if strings.Contains(s, secret) {
						t.Errorf("%q leaks a secret", s)
					}
				}
			}
		})
	}
}

func TestAuthExpiredJWT(t *testing.T) {
	e := setup(t, salesforcetest.Options{})
	// The adapter's clock runs an hour behind the org's: its assertion has expired.
	behind := func() time.Time { return e.clock.Now().Add(-time.Hour) }
	c, err := salesforce.New(salesforce.Config{LoginURL: e.url, ClientID: e.fake.ClientID(), Username: e.fake.Username(),
		PrivateKeyPEM: keyPEM()}, salesforce.WithClock(behind))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Schema(context.Background(), "Lead")
	if ce, ok := err.(*crm.Error); !ok || ce.Class != crm.ClassAuth || ce.Code != "invalid_grant" {
		t.Errorf("err = %v", err)
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	for name, cfg := range map[string]salesforce.Config{
		"no client id":    {ClientSecret: "x"},
		"no credentials":  {ClientID: "x"},
		"jwt without sub": {ClientID: "x", PrivateKeyPEM: keyPEM()},
		"not a key":       {ClientID: "x", Username: "u", PrivateKeyPEM: []byte("-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n")},
		"missing file":    {ClientID: "x", Username: "u", PrivateKeyFile: "/nonexistent/sf.key"},
		"bad version":     {ClientID: "x", ClientSecret: "y", APIVersion: "sixty"},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := salesforce.New(cfg); err == nil {
				t.Error("New accepted it")
			}
		})
	}
}

func TestAuthJWTKeyFromFile(t *testing.T) {
	e := setup(t, salesforcetest.Options{})
	path := t.TempDir() + "/sf.key"
	if err := os.WriteFile(path, keyPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := salesforce.New(salesforce.Config{LoginURL: e.url, ClientID: e.fake.ClientID(), Username: e.fake.Username(),
		PrivateKeyFile: path}, salesforce.WithClock(e.clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Schema(context.Background(), "Lead"); err != nil {
		t.Fatal(err)
	}
}
