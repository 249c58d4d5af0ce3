package signals_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/leadsync/leadsync/connector/signals"
	"github.com/leadsync/leadsync/lusha"
	"github.com/leadsync/leadsync/lusha/lushatest"
	"github.com/leadsync/leadsync/state"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// counts is a Metrics that counts.
type counts struct {
	mu                sync.Mutex
	received, applied map[string]int
}

func newCounts() *counts { return &counts{received: map[string]int{}, applied: map[string]int{}} }

func (c *counts) SignalReceived(kind string) { c.mu.Lock(); c.received[kind]++; c.mu.Unlock() }
func (c *counts) SignalApplied(kind string)  { c.mu.Lock(); c.applied[kind]++; c.mu.Unlock() }

func (c *counts) get(m map[string]int, kind string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return m[kind]
}

// attempt is one request the fake Lusha sent, as the receiver got it, and the
// status Lusha saw.
type attempt struct {
	header http.Header
	body   []byte
	status int
}

// front sits between the fake Lusha and the real receiver: it records each
// attempt, and lose(n) makes the answer to attempt n (from 1) reach Lusha as a 502
// after the receiver handled it: an acknowledgement lost on the way.
type front struct {
	h    http.Handler
	lose func(n int) bool
	// after runs once the receiver answered attempt n (e.g. the processor).
	after func(n int)

	mu  sync.Mutex
	got []attempt
}

func (f *front) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, r)
	f.mu.Lock()
	f.got = append(f.got, attempt{header: r.Header.Clone(), body: body, status: rec.Code})
	n := len(f.got)
	f.mu.Unlock()
	if f.after != nil {
		f.after(n)
	}
	if f.lose != nil && f.lose(n) {
		w.WriteHeader(http.StatusBadGateway)
		return
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

func (f *front) attempts() []attempt {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]attempt(nil), f.got...)
}

// rig is a fake Lusha that delivers to a real receiver over HTTP, on a SQLite state.
type rig struct {
	t       *testing.T
	path    string
	store   *state.SQLite
	world   *lushatest.World
	fake    *lushatest.Server
	client  *lusha.Client
	secret  string
	front   *front
	hook    *httptest.Server
	metrics *counts
	recv    *signals.Receiver
}

func newRig(t *testing.T) *rig {
	t.Helper()
	r := &rig{t: t, path: filepath.Join(t.TempDir(), "state.db"), world: lushatest.NewWorld(7, 40), metrics: newCounts()}
	r.store = r.open()
	// Milliseconds: a retry a few milliseconds later is signed anew, and so is no replay.
	r.fake = lushatest.NewTestServer(t, r.world, lushatest.Options{Webhooks: lushatest.WebhookOptions{
		Retries: 3, Backoff: time.Millisecond, TimestampMillis: true}})
	r.client = r.fake.Client()
	secret, _, err := r.client.RegenerateAccountSecret(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	r.secret = secret.Reveal()
	r.recv = signals.NewReceiver(signals.ReceiverOptions{Inbox: r.store, Secret: r.secret, Metrics: r.metrics})
	r.front = &front{h: r.recv}
	r.hook = httptest.NewServer(r.front)
	t.Cleanup(r.hook.Close)
	return r
}

func (r *rig) open() *state.SQLite {
	s, err := state.Open(r.t.Context(), r.path)
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { _ = s.Close() })
	return s
}

func (r *rig) url() string { return r.hook.URL + signals.Path }

func (r *rig) processor() *signals.Processor {
	return signals.NewProcessor(signals.ProcessorOptions{Store: r.store, Metrics: r.metrics})
}

// person is a known, unrestricted person of the world.
func (r *rig) person() *lushatest.Person {
	for i := range r.world.People {
		if p := &r.world.People[i]; p.Known && !p.Restricted {
			return p
		}
	}
	r.t.Fatal("the world has no known person")
	return nil
}

func (r *rig) subscribe(p *lushatest.Person) {
	out, _, err := r.client.CreateSubscriptions(r.t.Context(), lusha.CreateSubscriptionsRequest{
		Defaults: lusha.SubscriptionDefaults{URL: r.url(), EntityType: lusha.EntityContact,
			SignalTypes: []string{lusha.SignalAll}},
		Subscriptions: []lusha.SubscriptionItem{{EntityID: p.ID}}})
	if err != nil || out.Successful != 1 {
		r.t.Fatalf("subscribe: %+v, %v", out, err)
	}
}

func (r *rig) subscribeOptOuts() {
	if _, _, err := r.client.CreateOptOutSubscription(r.t.Context(),
		lusha.CreateOptOutSubscriptionRequest{URL: r.url()}); err != nil {
		r.t.Fatal(err)
	}
}

func (r *rig) emitSignal(p *lushatest.Person) {
	r.t.Helper()
	if n := r.fake.EmitSignal(lushatest.Signal{EntityType: lusha.EntityContact, EntityID: p.ID,
		Type: lusha.SignalCompanyChange, Data: map[string]any{"personId": p.ID, "signalDate": "2026-11-01"}}); n != 1 {
		r.t.Fatalf("deliveries started = %d, want 1", n)
	}
	r.fake.WaitDeliveries()
}

func optOutOf(p *lushatest.Person) lusha.OptOutPayload {
	return lusha.OptOutPayload{ContactID: p.ID, FullName: p.FirstName + " " + p.LastName,
		ContactOptOutDate: "2026-11-20 14:32:11.412", ContactExposureDate: "2025-08-03 09:15:47",
		Datapoints: []lusha.OptOutDatapoint{{DatapointID: p.Email, DatapointType: "email"}}}
}

func (r *rig) emitOptOut(p *lushatest.Person) {
	r.t.Helper()
	if n := r.fake.EmitOptOut(optOutOf(p)); n != 1 {
		r.t.Fatalf("opt-out deliveries started = %d, want 1", n)
	}
	r.fake.WaitDeliveries()
}

func (r *rig) inbox() map[string]int {
	r.t.Helper()
	c, err := r.store.InboxCounts(r.t.Context())
	if err != nil {
		r.t.Fatal(err)
	}
	return c
}
