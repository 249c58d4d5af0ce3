package salesforce_test

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/salesforce"
)

// tokenStub answers the token endpoint with answer and records each request's form
// and Accept header; data calls answer an empty describe.
type tokenStub struct {
	ts     *httptest.Server
	mu     sync.Mutex
	forms  []url.Values
	accept []string
}

func newTokenStub(t *testing.T, answer func(w http.ResponseWriter, self string)) *tokenStub {
	t.Helper()
	s := &tokenStub{}
	s.ts = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/services/oauth2/token" {
			fmt.Fprint(w, `{"name":"Lead","fields":[]}`)
			return
		}
		_ = r.ParseForm()
		s.mu.Lock()
		s.forms = append(s.forms, r.PostForm)
		s.accept = append(s.accept, r.Header.Get("Accept"))
		s.mu.Unlock()
		answer(w, s.ts.URL)
	}))
	t.Cleanup(s.ts.Close)
	return s
}

func (s *tokenStub) form(t *testing.T) url.Values {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.forms) != 1 {
		t.Fatalf("%d token requests, want 1", len(s.forms))
	}
	if s.accept[0] != "application/json" {
		t.Errorf("Accept = %q", s.accept[0])
	}
	return s.forms[0]
}

func okToken(w http.ResponseWriter, self string) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	fmt.Fprintf(w, `{"access_token":"00Dx!tok","instance_url":%q,"token_type":"Bearer","issued_at":"1720000000000"}`, self)
}

// TestTokenRequestForms pins what each grant sends, now that x/oauth2 builds the
// requests: the same forms as the hand-written ones, with no client credentials
// beside a JWT assertion and no client_secret in a refresh that has none.
func TestTokenRequestForms(t *testing.T) {
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		cfg   salesforce.Config
		want  url.Values
		check func(t *testing.T, form url.Values)
	}{
		{"client credentials", salesforce.Config{ClientID: "cid", ClientSecret: "csec"},
			url.Values{"grant_type": {"client_credentials"}, "client_id": {"cid"}, "client_secret": {"csec"}}, nil},
		{"refresh token with secret", salesforce.Config{ClientID: "cid", ClientSecret: "csec", RefreshToken: "5Aep-r1"},
			url.Values{"grant_type": {"refresh_token"}, "client_id": {"cid"}, "client_secret": {"csec"}, "refresh_token": {"5Aep-r1"}}, nil},
		{"refresh token without secret", salesforce.Config{ClientID: "cid", RefreshToken: "5Aep-r1"},
			url.Values{"grant_type": {"refresh_token"}, "client_id": {"cid"}, "refresh_token": {"5Aep-r1"}}, nil},
		{"jwt bearer", salesforce.Config{ClientID: "cid", Username: "int@acme.test", PrivateKeyPEM: keyPEM()},
			nil, func(t *testing.T, form url.Values) {
				if len(form) != 2 || form.Get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" {
					t.Fatalf("form = %v, want grant_type and assertion only", form)
				}
				parts := strings.Split(form.Get("assertion"), ".")
				if len(parts) != 3 {
					t.Fatalf("assertion has %d parts", len(parts))
				}
				var header, claims map[string]any
				decode(t, parts[0], &header)
				decode(t, parts[1], &claims)
				if header["alg"] != "RS256" {
					t.Errorf("header = %v", header)
				}
				want := map[string]any{"iss": "cid", "sub": "int@acme.test", "aud": "https://login.salesforce.com",
					"exp": float64(at.Add(3 * time.Minute).Unix())}
				if fmt.Sprint(claims) != fmt.Sprint(want) {
					t.Errorf("claims = %v, want %v (exp on the client's clock)", claims, want)
				}
				sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
				digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
				if err := rsa.VerifyPKCS1v15(&testKey().PublicKey, crypto.SHA256, digest[:], sig); err != nil {
					t.Errorf("signature: %v", err)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stub := newTokenStub(t, okToken)
			tt.cfg.LoginURL = stub.ts.URL
			c, err := salesforce.New(tt.cfg, salesforce.WithHTTPClient(stub.ts.Client()),
				salesforce.WithClock(func() time.Time { return at }))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Schema(context.Background(), "Lead"); err != nil {
				t.Fatal(err)
			}
			form := stub.form(t)
			if tt.check != nil {
				tt.check(t, form)
				return
			}
			if form.Encode() != tt.want.Encode() {
				t.Errorf("form = %v, want %v", form, tt.want)
			}
		})
	}
}

func decode(t *testing.T, seg string, v any) {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

// TestTokenErrorClasses is the classification of token answers x/oauth2 reports: an
// OAuth refusal is auth (with its code), 5xx unavailable, 429 rate limited, a 2xx the
// adapter cannot use unavailable (no token) or auth (no instance). No error repeats
// the secret, and none repeats the answer's body.
func TestTokenErrorClasses(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		contentType string
		body        string
		class       crm.Class
		code        string
	}{
		{"invalid grant", 400, "application/json", `{"error":"invalid_grant","error_description":"authentication failure"}`, crm.ClassAuth, "invalid_grant"},
		{"invalid client, unlabelled", 400, "", `{"error":"invalid_client","error_description":"invalid client credentials"}`, crm.ClassAuth, "invalid_client"},
		{"unsupported grant", 400, "application/json", `{"error":"unsupported_grant_type","error_description":"grant type not supported"}`, crm.ClassAuth, "unsupported_grant_type"},
		{"rate limit code", 400, "application/json", `{"error":"rate_limit_exceeded","error_description":"too many"}`, crm.ClassRateLimited, "rate_limit_exceeded"},
		{"429", 429, "text/html", `<html>slow down</html>`, crm.ClassRateLimited, ""},
		{"503 html", 503, "text/html", `<html>maintenance</html>`, crm.ClassUnavailable, ""},
		{"500 json", 500, "application/json", `{"error":"server_error","error_description":"oops"}`, crm.ClassUnavailable, "server_error"},
		{"200 garbage", 200, "application/json", `{"access_token":`, crm.ClassUnavailable, ""},
		{"200 without token", 200, "application/json", `{"instance_url":"https://x.my.salesforce.com"}`, crm.ClassUnavailable, ""},
		{"200 without instance", 200, "application/json", `{"access_token":"00Dx!tok","token_type":"Bearer"}`, crm.ClassAuth, ""},
		{"200 error code", 200, "application/json", `{"error":"invalid_grant","error_description":"expired access/refresh token"}`, crm.ClassAuth, "invalid_grant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stub := newTokenStub(t, func(w http.ResponseWriter, _ string) {
				if tt.contentType != "" {
					w.Header().Set("Content-Type", tt.contentType)
				}
				w.WriteHeader(tt.status)
				fmt.Fprint(w, tt.body)
			})
			c, err := salesforce.New(salesforce.Config{LoginURL: stub.ts.URL, ClientID: "cid", ClientSecret: "s3cret-value"},
				salesforce.WithHTTPClient(stub.ts.Client()))
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Schema(context.Background(), "Lead")
			ce, ok := err.(*crm.Error)
			if !ok || ce.Class != tt.class || ce.Code != tt.code {
				t.Fatalf("err = %#v (%v), want class %q code %q", err, err, tt.class, tt.code)
			}
			if tt.status != 200 && ce.Status != tt.status {
				t.Errorf("status = %d, want %d", ce.Status, tt.status)
			}
			for _, leak := range []string{"s3cret", "00Dx!tok", "<html>", "Response:"} {
				if strings.Contains(err.Error(), leak) || strings.Contains(fmt.Sprintf("%+v", err), leak) {
					t.Errorf("error repeats %q: %v", leak, err)
				}
			}
		})
	}
}

// TestTokenRequestHonoursContext: the token request runs under the call's context,
// so a canceled run does not wait for a hanging token endpoint (x/oauth2/jwt's
// Config would post without it), and the error says canceled.
func TestTokenRequestHonoursContext(t *testing.T) {
	for name, cfg := range map[string]salesforce.Config{
		"jwt bearer":         {ClientID: "cid", Username: "u@acme.test", PrivateKeyPEM: keyPEM()},
		"client credentials": {ClientID: "cid", ClientSecret: "csec"},
		"refresh token":      {ClientID: "cid", RefreshToken: "5Aep-r1"},
	} {
		t.Run(name, func(t *testing.T) {
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_ = r.ParseForm() // a body left unread hides the client's hang-up from r.Context
				<-r.Context().Done()
			}))
			t.Cleanup(ts.Close)
			cfg.LoginURL = ts.URL
			c, err := salesforce.New(cfg, salesforce.WithHTTPClient(ts.Client()))
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			go func() { time.Sleep(20 * time.Millisecond); cancel() }()
			start := time.Now()
			_, err = c.Schema(ctx, "Lead")
			if crm.ClassOf(err) != crm.ClassCanceled {
				t.Errorf("err = %v (class %q), want canceled", err, crm.ClassOf(err))
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}
