package salesforce_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/salesforce"
	"github.com/leadsync/leadsync/crm/salesforce/salesforcetest"
)

// memTokens is a TokenStore in memory, shared by the "processes" of a test.
type memTokens struct {
	mu      sync.Mutex
	tokens  map[string]string
	saved   []string // every token stored, to look for in printed output
	failing bool
}

func (m *memTokens) Load(_ context.Context, key string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.tokens[key], nil
}

func (m *memTokens) Save(_ context.Context, key, token string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failing {
		return errors.New("disk full")
	}
	m.tokens[key] = token
	m.saved = append(m.saved, token)
	return nil
}

func (m *memTokens) only(t *testing.T) string {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.tokens) != 1 {
		t.Fatalf("%d stored tokens, want 1", len(m.tokens))
	}
	for _, tok := range m.tokens {
		return tok
	}
	return ""
}

// rotatingOrg is a fake org whose connected app rotates refresh tokens, and a factory
// of processes: clients built from the same configuration and token store.
type rotatingOrg struct {
	fake *salesforcetest.Server
	url  string
}

func newRotatingOrg(t *testing.T) *rotatingOrg {
	fake := salesforcetest.NewServer(salesforcetest.Options{RotateRefreshTokens: true})
	ts := httptest.NewServer(fake)
	t.Cleanup(ts.Close)
	return &rotatingOrg{fake: fake, url: ts.URL}
}

func (o *rotatingOrg) process(t *testing.T, refresh string, store salesforce.TokenStore) *salesforce.Client {
	t.Helper()
	var opts []salesforce.Option
	if store != nil {
		opts = append(opts, salesforce.WithTokenStore(store, "sf-prod"))
	}
	c, err := salesforce.New(salesforce.Config{LoginURL: o.url, ClientID: o.fake.ClientID(),
		ClientSecret: o.fake.ClientSecret(), RefreshToken: refresh}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestRefreshTokenRotation is issue 13's Salesforce 2: with rotation on, every
// renewal hands out a new refresh token and kills the old one (reference §2.4). The
// adapter adopts and stores each one, so that it survives renewal after renewal and a
// restarted process (a new client on the same store) authenticates with the current
// token, while the configured one is long dead.
func TestRefreshTokenRotation(t *testing.T) {
	ctx := context.Background()
	org := newRotatingOrg(t)
	configured := org.fake.IssueRefreshToken()
	store := &memTokens{tokens: map[string]string{}}

	first := org.process(t, configured, store)
	if _, err := first.Schema(ctx, "Lead"); err != nil {
		t.Fatal(err)
	}
	rotated := store.only(t)
	for renewal := 1; renewal <= 2; renewal++ {
		org.fake.ExpireSessions()
		if _, err := first.Schema(ctx, "Lead"); err != nil {
			t.Fatalf("renewal %d: %v", renewal, err)
		}
		if now := store.only(t); now == rotated || now == configured {
			t.Fatalf("renewal %d did not store the rotated token", renewal)
		}
		rotated = store.only(t)
	}
	_, dead := org.process(t, configured, nil).Schema(ctx, "Lead")
	if crm.ClassOf(dead) != crm.ClassAuth {
		t.Fatalf("the configured token after rotations: %v, want it dead (auth)", dead)
	}

	restarted := org.process(t, configured, store)
	if _, err := restarted.Schema(ctx, "Lead"); err != nil {
		t.Fatalf("a restarted process: %v", err)
	}

	// The first process still holds the token the restarted one spent: refused, it
	// takes the newer one from the store.
	org.fake.ExpireSessions()
	if _, err := first.Schema(ctx, "Lead"); err != nil {
		t.Errorf("a process whose token another rotated: %v", err)
	}

	// A token that cannot be stored fails the renewal (so that it is retried), but it
	// is kept: the old one is dead, and the next renewal stores a successor.
	store.failing = true
	org.fake.ExpireSessions()
	_, err := first.Schema(ctx, "Lead")
	if crm.ClassOf(err) != crm.ClassUnavailable {
		t.Errorf("an unsaved rotation: %v, want unavailable", err)
	}
	store.failing = false
	if _, err := first.Schema(ctx, "Lead"); err != nil {
		t.Errorf("after the store recovered: %v", err)
	}
	if _, err := org.process(t, configured, store).Schema(ctx, "Lead"); err != nil {
		t.Errorf("a process restarted after the store recovered: %v", err)
	}

	// Authorised again: the new configured token starts a chain of its own.
	fresh := org.fake.IssueRefreshToken()
	if _, err := org.process(t, fresh, store).Schema(ctx, "Lead"); err != nil {
		t.Errorf("a newly configured token: %v", err)
	}
	for _, s := range []string{fmt.Sprint(err), fmt.Sprint(dead), fmt.Sprintf("%#v", first), fmt.Sprintf("%+v", first)} {
		for _, tok := range append([]string{configured, fresh}, store.saved...) {
			if strings.Contains(s, tok) {
				t.Errorf("a refresh token was printed: %s", s)
			}
		}
	}
}
