package signals_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/leadsync/leadsync/connector/signals"
	"github.com/leadsync/leadsync/lusha"
	"github.com/leadsync/leadsync/mapping"
	"github.com/leadsync/leadsync/state"
)

// TestRetriedDeliveryAppliedOnce: Lusha retries a signal and an opt-out whose
// acknowledgement was lost, once before and once after the processor ran; each is
// stored once, acknowledged every time, and applied once.
func TestRetriedDeliveryAppliedOnce(t *testing.T) {
	r := newRig(t)
	p := r.person()
	r.subscribe(p)
	r.subscribeOptOuts()
	proc := r.processor()
	// The signal's first attempt is processed at once, then its ack is lost, and so
	// is the ack of its first retry: both retries come after the processing. The
	// opt-out's first ack is lost before anything processed it.
	r.front.lose = func(n int) bool { return n == 1 || n == 2 || n == 4 }
	r.front.after = func(n int) {
		if n == 1 {
			if _, err := proc.Drain(t.Context()); err != nil {
				t.Error(err)
			}
		}
	}
	r.emitSignal(p)
	r.emitOptOut(p)
	got := r.front.attempts()
	if len(got) != 5 {
		t.Fatalf("Lusha sent %d attempts, want 3 for the signal and 2 for the opt-out", len(got))
	}
	for i, a := range got {
		if a.status != http.StatusCreated {
			t.Errorf("attempt %d: the receiver answered %d, want 201", i+1, a.status)
		}
	}
	for i, want := range []int{1, 0} { // the opt-out, then nothing
		if n, err := proc.Drain(t.Context()); err != nil || n != want {
			t.Errorf("pass %d processed %d deliveries (%v); want %d", i, n, err, want)
		}
	}
	want := map[string]int{state.InboxRecorded: 1, state.InboxApplied: 1}
	if diff := cmp.Diff(want, r.inbox()); diff != "" {
		t.Errorf("inbox (-want +got):\n%s", diff)
	}
	if rc, oo, ap := r.metrics.get(r.metrics.received, lusha.EntityContact), r.metrics.get(r.metrics.received, signals.OptOut),
		r.metrics.get(r.metrics.applied, signals.OptOut); rc != 1 || oo != 1 || ap != 1 {
		t.Errorf("received contact %d, opt-out %d, applied %d; want 1 each", rc, oo, ap)
	}
	if sup, err := r.store.Suppressed(t.Context(), state.LushaKey(p.ID)); err != nil || !sup {
		t.Errorf("the opted-out person is not suppressed: %v, %v", sup, err)
	}
}

// TestAckBody: the acknowledgement is Lusha's documented body.
func TestAckBody(t *testing.T) {
	r := newRig(t)
	p := r.person()
	r.subscribe(p)
	var ack struct {
		Received  bool   `json:"received"`
		Timestamp string `json:"timestamp"`
		WebhookID string `json:"webhookId"`
	}
	var payload lusha.WebhookPayload
	r.emitSignal(p)
	a := r.front.attempts()[0]
	if err := json.Unmarshal(a.body, &payload); err != nil {
		t.Fatal(err)
	}
	resp := r.send(a.header, a.body, func(h http.Header, body []byte) { r.sign(h, body, time.Now()) })
	if resp.status != http.StatusCreated || resp.contentType != "application/json" {
		t.Fatalf("answer %d %s", resp.status, resp.contentType)
	}
	if err := json.Unmarshal(resp.body, &ack); err != nil || !ack.Received || ack.WebhookID != payload.ID {
		t.Errorf("ack = %s (%v); want received true and webhookId %s", resp.body, err, payload.ID)
	}
	if _, err := time.Parse(time.RFC3339Nano, ack.Timestamp); err != nil {
		t.Errorf("ack timestamp %q: %v", ack.Timestamp, err)
	}
}

// TestRefusedDeliveriesStoreNothing sends, over HTTP, deliveries that must be
// refused: each gets its status and the inbox stays as it was.
func TestRefusedDeliveriesStoreNothing(t *testing.T) {
	r := newRig(t)
	p := r.person()
	r.subscribe(p)
	r.emitSignal(p)
	genuine := r.front.attempts()[0]
	before := r.inbox()
	if before[state.InboxReceived] != 1 {
		t.Fatalf("inbox after the genuine delivery = %v", before)
	}
	other, _ := json.Marshal(lusha.WebhookPayload{ID: "new-id", Type: lusha.SignalPromotion, EntityType: lusha.EntityContact,
		EntityID: p.ID, Data: json.RawMessage(`{}`)})
	cases := []struct {
		name   string
		body   []byte
		sign   func(h http.Header, body []byte)
		status int
	}{
		{"replayed as sent", genuine.body, nil, http.StatusConflict},
		{"forged with another secret", other, func(h http.Header, body []byte) {
			ts := strconv.FormatInt(time.Now().Unix(), 10)
			h.Set(lusha.HeaderTimestamp, ts)
			h.Set(lusha.HeaderSignature, lusha.Sign("whsec_not-the-secret", ts, body))
		}, http.StatusUnauthorized},
		{"tampered body", bytes.Replace(genuine.body, []byte(p.ID), []byte("999"), 1), nil, http.StatusUnauthorized},
		{"stale", other, func(h http.Header, body []byte) { r.sign(h, body, time.Now().Add(-10*time.Minute)) }, http.StatusUnauthorized},
		{"from the future", other, func(h http.Header, body []byte) { r.sign(h, body, time.Now().Add(10*time.Minute)) }, http.StatusUnauthorized},
		{"unsigned", other, func(h http.Header, _ []byte) { h.Del(lusha.HeaderSignature) }, http.StatusUnauthorized},
		{"signed, not a payload", []byte(`{"hello":"world"}`), func(h http.Header, body []byte) { r.sign(h, body, time.Now()) },
			http.StatusBadRequest},
		{"too large", append(append([]byte(`{"id":"x","pad":"`), bytes.Repeat([]byte("a"), signals.MaxBody)...), '"', '}'),
			func(h http.Header, body []byte) { r.sign(h, body, time.Now()) }, http.StatusRequestEntityTooLarge},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := r.send(genuine.header, tc.body, tc.sign); got.status != tc.status {
				t.Errorf("status %d, want %d", got.status, tc.status)
			}
			if diff := cmp.Diff(before, r.inbox()); diff != "" {
				t.Errorf("the inbox changed (-before +after):\n%s", diff)
			}
		})
	}
	if n := r.metrics.get(r.metrics.received, lusha.EntityContact); n != 1 {
		t.Errorf("received = %d, want the genuine delivery only", n)
	}
}

// TestURLChallenge: Lusha's URL verification (older docs) gets its challenge back.
func TestURLChallenge(t *testing.T) {
	r := newRig(t)
	resp, err := http.Get(r.url() + "?challenge=abc123")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got map[string]string
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || resp.StatusCode != http.StatusOK || got["challenge"] != "abc123" {
		t.Errorf("challenge answer %d %v (%v)", resp.StatusCode, got, err)
	}
}

// TestCrashBetweenAckAndProcessing: deliveries acknowledged by a daemon that dies
// before processing them are processed, once, by the processor of the next start.
func TestCrashBetweenAckAndProcessing(t *testing.T) {
	r := newRig(t)
	p := r.person()
	r.subscribe(p)
	r.subscribeOptOuts()
	r.emitSignal(p)
	r.emitOptOut(p)
	if diff := cmp.Diff(map[string]int{state.InboxReceived: 2}, r.inbox()); diff != "" {
		t.Fatalf("inbox after the acks (-want +got):\n%s", diff)
	}
	if err := r.store.Close(); err != nil { // the process dies; nothing was processed
		t.Fatal(err)
	}
	r.store = r.open()
	proc := r.processor()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { defer close(done); proc.Run(ctx) }()
	want := map[string]int{state.InboxRecorded: 1, state.InboxApplied: 1}
	for !cmp.Equal(want, r.inbox()) {
		select {
		case <-t.Context().Done():
			t.Fatalf("the restarted processor never processed the inbox: %v", r.inbox())
		case <-time.After(10 * time.Millisecond):
		}
	}
	cancel()
	<-done
	if n, err := proc.Drain(t.Context()); err != nil || n != 0 {
		t.Errorf("processed again: %d (%v)", n, err)
	}
	if n := r.metrics.get(r.metrics.applied, signals.OptOut); n != 1 {
		t.Errorf("opt-outs applied = %d, want 1", n)
	}
}

// TestOptOutErasesAndSuppresses: an opt-out delivered by Lusha erases the person
// leadsync enriched (answer, record state, ledger values) and suppresses their
// identity keys and Lusha id; another person stays.
func TestOptOutErasesAndSuppresses(t *testing.T) {
	r := newRig(t)
	ctx := t.Context()
	p := r.person()
	r.subscribeOptOuts()
	key := mapping.Identity{Email: p.Email}.Key()
	nameKey := mapping.Identity{FirstName: p.FirstName, LastName: p.LastName, CompanyName: "x"}.Key()
	answer := func(key, lushaID string) state.Enrichment {
		return state.Enrichment{Key: key, Outcome: state.OutcomeMatched, LushaID: lushaID, Answer: []byte(`{}`),
			FetchedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}
	}
	if err := r.store.SaveEnrichments(ctx, state.Spend{Pipeline: "p", Call: "c", Credits: 2},
		[]state.Enrichment{answer(nameKey, p.ID), answer("someone-else", "L-other")}); err != nil {
		t.Fatal(err)
	}
	if err := r.store.CommitPage(ctx, state.PageCommit{Pipeline: "p", Account: "hs",
		Records: []state.RecordState{{CRMID: "c1", Status: state.StatusDone, IdentityKey: nameKey, UpdatedAt: time.Now()},
			{CRMID: "c2", Status: state.StatusDone, IdentityKey: "someone-else", UpdatedAt: time.Now()}},
		Ledger: []state.LedgerEntry{{RunID: "r", CRMObject: "contacts", CRMID: "c1", Field: "phone", NewValue: "+1555",
			LushaID: p.ID, WrittenAt: time.Now()}}}); err != nil {
		t.Fatal(err)
	}
	r.emitOptOut(p)
	if _, err := r.processor().Drain(ctx); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{key, nameKey, state.LushaKey(p.ID)} {
		if sup, err := r.store.Suppressed(ctx, k); err != nil || !sup {
			t.Errorf("key %.12s… not suppressed (%v)", k, err)
		}
	}
	if e, err := r.store.Enrichment(ctx, nameKey, time.Now()); err != nil || e != nil {
		t.Errorf("the cached answer stays: %v, %v", e, err)
	}
	recs, err := r.store.RecordsOf(ctx, "p", "hs", []string{"c1", "c2"})
	if err != nil || len(recs) != 1 || recs["c2"].CRMID != "c2" {
		t.Errorf("records = %v, %v; want c2 only", recs, err)
	}
	if owned, err := r.store.OwnedBy(ctx, "hs", "contacts", []string{"c1"}); err != nil || len(owned["c1"]) != 0 {
		t.Errorf("ledger values stay: %v, %v", owned, err)
	}
	if e, err := r.store.Enrichment(ctx, "someone-else", time.Now()); err != nil || e == nil {
		t.Errorf("another person's answer went: %v", err)
	}
}

// reply is what the receiver answered a request.
type reply struct {
	status      int
	contentType string
	body        []byte
}

// send posts body with a copy of header, changed by sign when given.
func (r *rig) send(header http.Header, body []byte, sign func(h http.Header, body []byte)) reply {
	r.t.Helper()
	h := header.Clone()
	if sign != nil {
		sign(h, body)
	}
	req, err := http.NewRequestWithContext(r.t.Context(), http.MethodPost, r.url(), bytes.NewReader(body))
	if err != nil {
		r.t.Fatal(err)
	}
	req.Header = h
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out bytes.Buffer
	_, _ = out.ReadFrom(resp.Body)
	return reply{status: resp.StatusCode, contentType: strings.TrimSpace(resp.Header.Get("Content-Type")), body: out.Bytes()}
}

// sign signs body with the account's secret at time at, as Lusha does.
func (r *rig) sign(h http.Header, body []byte, at time.Time) {
	ts := strconv.FormatInt(at.Unix(), 10)
	h.Set(lusha.HeaderTimestamp, ts)
	h.Set(lusha.HeaderSignature, lusha.Sign(r.secret, ts, body))
}

// TestOptOutCRMActionFailureStillErases: the CRM action gets the person's records
// before the erasure; when it fails, the person is erased and suppressed all the
// same.
func TestOptOutCRMActionFailureStillErases(t *testing.T) {
	r := newRig(t)
	ctx := t.Context()
	p := r.person()
	r.subscribeOptOuts()
	if err := r.store.CommitPage(ctx, state.PageCommit{Pipeline: "p", Account: "hs",
		Ledger: []state.LedgerEntry{{RunID: "r", CRMObject: "contacts", CRMID: "c1", Field: "phone", NewValue: "+1555",
			LushaID: p.ID, WrittenAt: time.Now()}}}); err != nil {
		t.Fatal(err)
	}
	var got []state.PersonRecord
	proc := signals.NewProcessor(signals.ProcessorOptions{Store: r.store, CRM: func(_ context.Context, recs []state.PersonRecord) error {
		got = recs
		return errors.New("the CRM is down")
	}})
	r.emitOptOut(p)
	if n, err := proc.Drain(ctx); err != nil || n != 1 {
		t.Fatalf("Drain = %d, %v; want the opt-out applied", n, err)
	}
	want := []state.PersonRecord{{Account: "hs", Object: "contacts", CRMID: "c1", Owned: map[string]string{"phone": "+1555"}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("the CRM action's records (-want +got):\n%s", diff)
	}
	if sup, err := r.store.Suppressed(ctx, state.LushaKey(p.ID)); err != nil || !sup {
		t.Errorf("not suppressed after a failed CRM action: %v, %v", sup, err)
	}
	if owned, err := r.store.OwnedBy(ctx, "hs", "contacts", []string{"c1"}); err != nil || len(owned) != 0 {
		t.Errorf("ledger values stay: %v, %v", owned, err)
	}
}
