package signals_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leadsync/leadsync/connector/limit"
	"github.com/leadsync/leadsync/connector/signals"
	"github.com/leadsync/leadsync/lusha"
	"github.com/leadsync/leadsync/lusha/lushatest"
	"github.com/leadsync/leadsync/state"
)

// call is one webhooks API call the fake Lusha answered.
type call struct {
	method, path string
	status       int
	items        int       // subscriptions or ids in a create or delete body
	at           time.Time // on the fake's clock
}

// counter records, between the client and the fake Lusha, each call it answered.
type counter struct {
	h   http.Handler
	now func() time.Time

	mu    sync.Mutex
	calls []call
}

func (c *counter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	var items struct {
		Subscriptions []json.RawMessage
		IDs           []string
	}
	_ = json.Unmarshal(body, &items)
	rec := httptest.NewRecorder()
	c.h.ServeHTTP(rec, r)
	c.mu.Lock()
	c.calls = append(c.calls, call{method: r.Method, path: r.URL.Path, status: rec.Code,
		items: len(items.Subscriptions) + len(items.IDs), at: c.now()})
	c.mu.Unlock()
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

// take returns the calls since the last take.
func (c *counter) take() []call {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.calls
	c.calls = nil
	return out
}

// clock is a fake clock whose Sleep moves it on at once.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
	return ctx.Err()
}

// subRig is a fake Lusha behind a counter, a receiver whose health a test turns,
// and a SQLite state the tests fill with what pipelines wrote.
type subRig struct {
	t       *testing.T
	path    string
	store   *state.SQLite
	clock   *clock
	fake    *lushatest.Server
	count   *counter
	client  *lusha.Client
	raw     *lusha.Client // to the fake, uncounted
	hook    *httptest.Server
	healthy atomic.Bool
}

var epoch = time.Date(2026, 11, 2, 9, 0, 30, 0, time.UTC)

func newSubRig(t *testing.T, opts lushatest.Options) *subRig {
	t.Helper()
	r := &subRig{t: t, path: filepath.Join(t.TempDir(), "state.db"), clock: &clock{t: epoch}}
	r.store = r.open()
	opts.Now = r.clock.Now
	opts.Webhooks.Retries, opts.Webhooks.Backoff = 2, time.Millisecond
	r.fake = lushatest.NewServer(lushatest.NewWorld(7, 10), opts)
	t.Cleanup(r.fake.Close)
	r.count = &counter{h: r.fake, now: r.clock.Now}
	api := httptest.NewServer(r.count)
	t.Cleanup(api.Close)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	r.client = lusha.NewClient(r.fake.APIKey(), lusha.WithBaseURL(api.URL), lusha.WithHTTPClient(&http.Client{Transport: tr}))
	direct := httptest.NewServer(r.fake)
	t.Cleanup(direct.Close)
	r.raw = lusha.NewClient(r.fake.APIKey(), lusha.WithBaseURL(direct.URL), lusha.WithHTTPClient(&http.Client{Transport: tr}))
	r.healthy.Store(true)
	r.hook = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if !r.healthy.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		if req.Method == http.MethodGet {
			_ = json.NewEncoder(w).Encode(map[string]string{"challenge": req.URL.Query().Get("challenge")})
			return
		}
		w.WriteHeader(http.StatusCreated)
	}))
	t.Cleanup(r.hook.Close)
	return r
}

func (r *subRig) open() *state.SQLite {
	s, err := state.Open(r.t.Context(), r.path)
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { _ = s.Close() })
	return s
}

func (r *subRig) url() string { return r.hook.URL + signals.Path }

// people: the contacts pipeline "p" wrote the people P<from>…P<to-1>.
func (r *subRig) people(from, to int) {
	r.t.Helper()
	var c state.PageCommit
	c.Pipeline, c.Account = "p", "a"
	for i := from; i < to; i++ {
		id := fmt.Sprintf("%03d", i)
		c.Records = append(c.Records, state.RecordState{CRMID: id, Status: state.StatusDone, UpdatedAt: epoch})
		c.Ledger = append(c.Ledger, state.LedgerEntry{RunID: "r", CRMObject: "contacts", CRMID: id, Field: "jobtitle",
			NewValue: "CTO", LushaID: "P" + id, WrittenAt: epoch})
	}
	if err := r.store.CommitPage(r.t.Context(), c); err != nil {
		r.t.Fatal(err)
	}
}

var peopleWatch = signals.Watch{Pipeline: "p", Object: "contacts", CompanyObject: "companies",
	Contact: []string{lusha.SignalPromotion, lusha.SignalCompanyChange}}

// manager is a manager of the rig's watches, owner and options o.
func (r *subRig) manager(o signals.ManagerOptions) *signals.Manager {
	o.Store, o.Client, o.URL = r.store, r.client, r.url()
	if o.Owner == "" {
		o.Owner = "host-a"
	}
	if o.Watches == nil {
		o.Watches = []signals.Watch{peopleWatch}
	}
	if o.Limiter == nil {
		o.Limiter = &limit.Window{N: signals.WebhooksPerMinute, Per: time.Minute, Now: r.clock.Now, Sleep: r.clock.Sleep}
	}
	o.Now = r.clock.Now
	return signals.NewManager(o)
}

func (r *subRig) pass(m *signals.Manager) signals.SubscriptionStatus {
	r.t.Helper()
	if err := m.Pass(r.t.Context()); err != nil {
		r.t.Fatal(err)
	}
	return m.Status()
}

// subs lists the account's subscriptions by entity id, with no call counted.
func (r *subRig) subs() map[string]lusha.Subscription {
	r.t.Helper()
	out := map[string]lusha.Subscription{}
	for s, err := range r.raw.Subscriptions(r.t.Context(), 0) {
		if err != nil {
			r.t.Fatal(err)
		}
		if _, dup := out[s.EntityID]; dup {
			r.t.Fatalf("two subscriptions of %s", s.EntityID)
		}
		out[s.EntityID] = s
	}
	return out
}

// creates sums the items of the create calls among calls, failing on a call
// of more than 25.
func creates(t *testing.T, calls []call) (n int) {
	t.Helper()
	for _, c := range calls {
		if c.method == http.MethodPost && c.path == "/api/subscriptions" {
			if c.items > lusha.MaxSubscriptionBatch {
				t.Errorf("a create call of %d subscriptions", c.items)
			}
			n += c.items
		}
	}
	return n
}

func only(calls []call, method, prefix string) (n int) {
	for _, c := range calls {
		if c.method == method && strings.HasPrefix(c.path, prefix) {
			n++
		}
	}
	return n
}
