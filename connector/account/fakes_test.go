package account

import (
	"bytes"
	"cmp"
	"context"
	"io"
	"iter"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leadsync/leadsync/connector/react"
	"github.com/leadsync/leadsync/crm"
)

// fakeLedger is the store's spend: what calls persisted.
type fakeLedger struct {
	mu    sync.Mutex
	spent int
}

func (l *fakeLedger) CreditsSpent(context.Context, string, time.Time) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.spent, nil
}

func (l *fakeLedger) spend(n int) {
	l.mu.Lock()
	l.spent += n
	l.mu.Unlock()
}

// fakeClaims is the store's identity claims, shared by the "processes" of a test.
type fakeClaims struct {
	mu     sync.Mutex
	held   map[string]fakeClaim
	failed error // returned by the next ClaimIdentities
}

type fakeClaim struct {
	owner   string
	expires time.Time
}

func newFakeClaims() *fakeClaims { return &fakeClaims{held: map[string]fakeClaim{}} }

func (s *fakeClaims) ClaimIdentities(_ context.Context, owner string, keys []string, ttl time.Duration) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.failed; err != nil {
		s.failed = nil
		return nil, err
	}
	now := time.Now()
	var won []string
	for _, k := range keys {
		if c, ok := s.held[k]; ok && c.owner != owner && now.Before(c.expires) {
			continue
		}
		s.held[k] = fakeClaim{owner: owner, expires: now.Add(ttl)}
		won = append(won, k)
	}
	return won, nil
}

func (s *fakeClaims) ReleaseClaims(_ context.Context, owner string, keys []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range keys {
		if s.held[k].owner == owner {
			delete(s.held, k)
		}
	}
	return nil
}

func (s *fakeClaims) ClaimHolders(_ context.Context, keys []string) (map[string]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]string{}
	for _, k := range keys {
		if c, ok := s.held[k]; ok && time.Now().Before(c.expires) {
			out[k] = c.owner
		}
	}
	return out, nil
}

func (s *fakeClaims) owner(key string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.held[key].owner
}

// fakeCRM is an adapter that answers with err and counts its calls and closes.
type fakeCRM struct {
	mu     sync.Mutex
	err    error
	calls  int
	closed atomic.Int32
}

func (f *fakeCRM) answer() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	return f.err
}

func (f *fakeCRM) fail(err error) {
	f.mu.Lock()
	f.err = err
	f.mu.Unlock()
}

func (f *fakeCRM) Changes(context.Context, crm.ChangesRequest) iter.Seq2[crm.Page, error] {
	return func(yield func(crm.Page, error) bool) {
		if err := f.answer(); err != nil {
			yield(crm.Page{}, err)
			return
		}
		yield(crm.Page{Records: []crm.Record{{ID: "1"}}, Next: "c1"}, nil)
	}
}

func (f *fakeCRM) BatchSize() int { return 100 }

func (f *fakeCRM) Write(_ context.Context, _ string, p []crm.Patch) ([]crm.WriteResult, error) {
	return make([]crm.WriteResult, len(p)), f.answer()
}

func (f *fakeCRM) Schema(context.Context, string) (crm.Schema, error) {
	return crm.Schema{}, f.answer()
}

func (f *fakeCRM) Get(_ context.Context, _ string, ids, _ []string) ([]crm.Record, error) {
	return make([]crm.Record, len(ids)), f.answer()
}

func (f *fakeCRM) Close() error {
	f.closed.Add(1)
	return nil
}

// fakeLusha answers Lusha's HTTP calls in memory (so that synctest can run them):
// GET /v3/account/usage with usage (default: 90 credits left), anything else with next.
type fakeLusha struct {
	mu    sync.Mutex
	paths []string
	next  func(r *http.Request) (int, http.Header, string)
	usage string
	// onUsage, when set, is told of each usage request as it arrives.
	onUsage func()
}

const defaultUsage = `{"credits":{"total":100,"used":10,"remaining":90}}`

func (f *fakeLusha) RoundTrip(r *http.Request) (*http.Response, error) {
	f.mu.Lock()
	f.paths = append(f.paths, r.URL.Path)
	next, usage := f.next, cmp.Or(f.usage, defaultUsage)
	f.mu.Unlock()
	if r.URL.Path == "/v3/account/usage" && f.onUsage != nil {
		f.onUsage()
	}
	status, h, body := 200, http.Header{}, usage
	if r.URL.Path != "/v3/account/usage" && next != nil {
		status, h, body = next(r)
	}
	if r.Body != nil {
		_ = r.Body.Close()
	}
	h.Set("Content-Type", "application/json")
	return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(strings.NewReader(body)),
		Request: r}, nil
}

func (f *fakeLusha) requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.paths...)
}

// answerUsage makes body the answer of GET /v3/account/usage.
func (f *fakeLusha) answerUsage(body string) {
	f.mu.Lock()
	f.usage = body
	f.mu.Unlock()
}

func (f *fakeLusha) answer(next func(r *http.Request) (int, http.Header, string)) {
	f.mu.Lock()
	f.next = next
	f.mu.Unlock()
}

var errUnavailable = &crm.Error{Service: "test", Op: "call", Class: crm.ClassUnavailable, Message: "down"}

// settings are a valid configuration with one CRM account "hs" of adapter a.
func settings(a crm.Adapter) Settings {
	return Settings{
		Lusha: LushaSettings{APIKey: "key-1", BaseURL: "http://lusha.test", Timeout: time.Second,
			PerSecond: 10, CreditsPerDay: 100, CreditsPerRun: 50,
			Breaker: BreakerSettings{Failures: 2, Timeout: time.Minute},
			Retry:   react.Policy{Base: time.Millisecond, Max: 10 * time.Millisecond, Attempts: 1}},
		CRMs: []CRMSettings{{Name: "hs", Kind: "hubspot", Identity: "token-ref-1",
			Breaker: BreakerSettings{Failures: 2, Timeout: time.Minute},
			Build:   func() (crm.Adapter, error) { return a, nil }}},
	}
}

// newAccounts is a set over a fake ledger, fake claims and a fake Lusha, logging to log.
func newAccounts(t *testing.T, o Options) (*Accounts, *syncWriter) {
	t.Helper()
	log := &syncWriter{}
	if o.Ledger == nil {
		o.Ledger = &fakeLedger{}
	}
	if o.Transport == nil {
		o.Transport = &fakeLusha{}
	}
	o.Logger = slog.New(slog.NewTextHandler(log, nil))
	return New(o), log
}

// syncWriter is a log that goroutines write and the test reads.
type syncWriter struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func use(t *testing.T, a *Accounts, crms ...string) *Lease {
	t.Helper()
	l, err := a.Use(t.Context(), crms...)
	if err != nil {
		t.Fatalf("Use(%v): %v", crms, err)
	}
	return l
}

func mustApply(t *testing.T, a *Accounts, s Settings) {
	t.Helper()
	if err := a.Apply(s); err != nil {
		t.Fatalf("Apply: %v", err)
	}
}
