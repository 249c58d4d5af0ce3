package hubspot_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/hubspot"
	"github.com/leadsync/leadsync/crm/hubspot/hubspottest"
)

// statusCounter counts the answers of a handler by path and status.
type statusCounter struct {
	next http.Handler
	mu   sync.Mutex
	seen map[string]int // "path status" → count
}

func newStatusCounter(next http.Handler) *statusCounter {
	return &statusCounter{next: next, seen: map[string]int{}}
}

func (c *statusCounter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	c.next.ServeHTTP(sw, r)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seen[fmt.Sprintf("%s %d", r.URL.Path, sw.status)]++
}

func (c *statusCounter) count(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.seen[key]
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(s int) { w.status = s; w.ResponseWriter.WriteHeader(s) }

func oauthEnv(t *testing.T, app hubspottest.OAuthApp) (*env, *statusCounter) {
	t.Helper()
	clk := newClock()
	fake := hubspottest.NewServer(hubspottest.Options{Clock: clk.Now, OAuth: app, SearchPerSecond: -1, BurstLimit: -1})
	counter := newStatusCounter(fake)
	creds := fake.OAuth()
	e := setupHandler(t, fake, counter, clk, hubspot.WithOAuth(hubspot.OAuthConfig{
		ClientID: creds.ClientID, ClientSecret: creds.ClientSecret, RefreshToken: creds.RefreshToken}))
	return e, counter
}

// Issue 4, must show 6: an access token that expires mid-read is refreshed once and
// the read completes.
func TestOAuthTokenExpiresMidRead(t *testing.T) {
	e, counter := oauthEnv(t, hubspottest.OAuthApp{})
	want := seed(e, 450)
	var got []string
	for p, err := range e.client.Changes(context.Background(), crm.ChangesRequest{Object: "contacts"}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ids([]crm.Page{p})...)
		if len(got) == 200 {
			e.fake.ExpireTokens() // revoked or expired early: only the 401 tells
		}
	}
	if len(got) != len(want) {
		t.Errorf("read %d contacts, want %d", len(got), len(want))
	}
	if n := e.fake.TokensIssued(); n != 2 {
		t.Errorf("%d tokens issued, want 2 (the first, and one refresh)", n)
	}
	if n := counter.count("/crm/v3/objects/contacts/search 401"); n != 1 {
		t.Errorf("%d searches refused with 401, want 1", n)
	}
}

func TestOAuthRefreshesBeforeExpiry(t *testing.T) {
	e, counter := oauthEnv(t, hubspottest.OAuthApp{TokenTTL: 30 * time.Minute, RotateRefreshTokens: true})
	creds := e.fake.OAuth()
	var rotated []string
	c := hubspot.New("", hubspot.WithBaseURL(e.url), hubspot.WithClock(e.clock.Now), hubspot.WithLimits(unpaced),
		hubspot.WithOAuth(hubspot.OAuthConfig{ClientID: creds.ClientID, ClientSecret: creds.ClientSecret,
			RefreshToken: creds.RefreshToken, OnRefreshToken: func(rt string) { rotated = append(rotated, rt) }}))
	ctx := context.Background()
	steps := []struct {
		advance time.Duration
		tokens  int // issued after the call
	}{
		{0, 1},
		{20 * time.Minute, 1},            // still fresh
		{5*time.Minute + time.Second, 2}, // within the last 5 minutes: renewed first
		{24 * time.Minute, 2},            // the renewed one is fresh
		{hubspot.DefaultRefreshBefore + time.Minute, 3},
	}
	for i, s := range steps {
		e.clock.Advance(s.advance)
		if _, err := c.Schema(ctx, "contacts"); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if n := e.fake.TokensIssued(); n != s.tokens {
			t.Errorf("step %d: %d tokens issued, want %d", i, n, s.tokens)
		}
	}
	if n := counter.count("/crm/v3/properties/contacts 401"); n != 0 {
		t.Errorf("%d calls refused with 401; renewal should come first", n)
	}
	if len(rotated) != 3 || rotated[2] != e.fake.OAuth().RefreshToken {
		t.Errorf("rotated refresh tokens reported: %d, last matches the fake's: %v", len(rotated), len(rotated) > 0 && rotated[len(rotated)-1] == e.fake.OAuth().RefreshToken)
	}
}

func TestOAuthBadCredentials(t *testing.T) {
	e, _ := oauthEnv(t, hubspottest.OAuthApp{})
	creds := e.fake.OAuth()
	tests := []struct {
		name string
		cfg  hubspot.OAuthConfig
	}{
		{"wrong refresh token", hubspot.OAuthConfig{ClientID: creds.ClientID, ClientSecret: creds.ClientSecret, RefreshToken: "revoked-refresh-token"}},
		{"wrong secret", hubspot.OAuthConfig{ClientID: creds.ClientID, ClientSecret: "wrong-secret-value", RefreshToken: creds.RefreshToken}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := hubspot.New("", hubspot.WithBaseURL(e.url), hubspot.WithLimits(unpaced), hubspot.WithOAuth(tt.cfg))
			_, err := c.Schema(context.Background(), "contacts")
			if crm.ClassOf(err) != crm.ClassAuth {
				t.Fatalf("err = %v, want auth", err)
			}
			for _, s := range []string{tt.cfg.ClientSecret, tt.cfg.RefreshToken} {
				if strings.Contains(err.Error(), s) || strings.Contains(fmt.Sprintf("%+v %#v", c, c), s) {
					t.Errorf("secret %q shows in %v or the client's printout", s, err)
				}
			}
		})
	}
	t.Run("token endpoint down", func(t *testing.T) {
		c := hubspot.New("", hubspot.WithBaseURL(e.url), hubspot.WithLimits(unpaced),
			hubspot.WithOAuth(hubspot.OAuthConfig{TokenURL: e.url + "/no/such/token/endpoint", RefreshToken: "x"}))
		_, err := c.Schema(context.Background(), "contacts")
		if crm.ClassOf(err) == crm.ClassNone {
			t.Fatal("no error")
		}
	})
}

// A private-app token refused with 401 is not sent again: there is nothing to renew.
func TestStaticTokenNotResentOn401(t *testing.T) {
	clk := newClock()
	fake := hubspottest.NewServer(hubspottest.Options{Clock: clk.Now})
	counter := newStatusCounter(fake)
	e := setupHandler(t, fake, counter, clk)
	c := hubspot.New("not-the-token", hubspot.WithBaseURL(e.url), hubspot.WithLimits(unpaced))
	if _, err := c.Schema(context.Background(), "contacts"); crm.ClassOf(err) != crm.ClassAuth {
		t.Fatalf("err = %v", err)
	}
	if n := counter.count("/crm/v3/properties/contacts 401"); n != 1 {
		t.Errorf("%d calls, want 1", n)
	}
}
