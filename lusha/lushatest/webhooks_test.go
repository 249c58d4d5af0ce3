package lushatest

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/leadsync/leadsync/lusha"
)

// recorded is one delivery as the receiver saw it.
type recorded struct {
	header http.Header
	body   []byte
}

// receiver records every request and answers with next() (default 201).
type receiver struct {
	mu   sync.Mutex
	got  []recorded
	next func(n int) int
	h    http.Handler // when set, answers instead of next
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.got = append(rc.got, recorded{header: r.Header.Clone(), body: body})
	n := len(rc.got)
	rc.mu.Unlock()
	if rc.h != nil {
		r.Body = io.NopCloser(bytes.NewReader(body))
		rc.h.ServeHTTP(w, r)
		return
	}
	status := http.StatusCreated
	if rc.next != nil {
		status = rc.next(n)
	}
	w.WriteHeader(status)
}

func (rc *receiver) deliveries() []recorded {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]recorded(nil), rc.got...)
}

// subscribe creates one contact subscription for p at url and returns its id.
func subscribe(t *testing.T, c *lusha.Client, url string, p *Person) string {
	t.Helper()
	out, _, err := c.CreateSubscriptions(t.Context(), lusha.CreateSubscriptionsRequest{
		Defaults:      lusha.SubscriptionDefaults{URL: url, EntityType: lusha.EntityContact, SignalTypes: []string{lusha.SignalAll}},
		Subscriptions: []lusha.SubscriptionItem{{EntityID: p.ID}}})
	if err != nil || out.Successful != 1 {
		t.Fatalf("subscribe: %+v, %v", out, err)
	}
	return out.Results[0].Subscription.ID
}

func TestWebhookDeliveryReachesVerifiedReceiver(t *testing.T) {
	w := NewWorld(3, 60)
	fake := NewTestServer(t, w, Options{Webhooks: WebhookOptions{Backoff: time.Millisecond}})
	c := fake.Client()
	person := pick(t, w, "known person", func(p *Person) bool { return p.Known && !p.Restricted })
	rc := &receiver{}
	hook := httptest.NewServer(rc)
	t.Cleanup(hook.Close)
	subID := subscribe(t, c, hook.URL+"/hooks/lusha", person)
	secret, _, err := c.AccountSecret(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var accepted []lusha.WebhookPayload
	var mu sync.Mutex
	rc.h = lusha.NewWebhookVerifier(secret.Reveal()).Handler(func(_ *http.Request, p lusha.WebhookPayload) error {
		mu.Lock()
		defer mu.Unlock()
		accepted = append(accepted, p)
		return nil
	})

	before := fake.CreditsUsed()
	if n := fake.EmitSignal(promotionSignal(person, time.Now())); n != 1 {
		t.Fatalf("deliveries started = %d, want 1", n)
	}
	fake.WaitDeliveries()
	if len(accepted) != 1 || accepted[0].SubscriptionID != subID || accepted[0].EntityID != person.ID ||
		accepted[0].Type != lusha.SignalPromotion || accepted[0].Billing.CreditsCharged != 1 {
		t.Fatalf("accepted = %+v", accepted)
	}
	var data lusha.ContactSignalData
	if err := (lusha.SignalEvent{Raw: accepted[0].Data}).Decode(&data); err != nil || string(data.PersonID) != person.ID {
		t.Errorf("data = %+v, %v", data, err)
	}
	if got := fake.CreditsUsed() - before; got != 1 {
		t.Errorf("delivery cost %d credits, want 1", got)
	}

	// The same delivery with a changed body, re-sent to the receiver, is refused.
	orig := rc.deliveries()[0]
	tampered := bytes.Replace(orig.body, []byte(person.ID), []byte("999"), 1)
	for name, body := range map[string][]byte{"tampered": tampered, "replayed": orig.body} {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, hook.URL+"/hooks/lusha", bytes.NewReader(body))
		req.Header = orig.header.Clone()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s delivery: status %d, want 401", name, resp.StatusCode)
		}
	}
	logs := collect(t, c.AuditLogs(t.Context(), lusha.AuditLogQuery{SubscriptionID: subID}))
	if len(logs) != 1 || logs[0].Status != lusha.DeliverySuccess || logs[0].StatusCode != http.StatusCreated {
		t.Errorf("audit logs = %+v", logs)
	}

	// After rotation the old secret no longer verifies.
	if _, _, err := c.RegenerateAccountSecret(t.Context()); err != nil {
		t.Fatal(err)
	}
	fake.EmitSignal(companyChangeOf(person))
	fake.WaitDeliveries()
	if len(accepted) != 1 {
		t.Errorf("a delivery signed with the new secret was accepted by the old one")
	}
}

func companyChangeOf(p *Person) Signal {
	return Signal{EntityType: lusha.EntityContact, EntityID: p.ID, Type: lusha.SignalCompanyChange,
		Data: map[string]any{"personId": 1, "signalDate": "2026-11-01"}}
}

func collect[T any](t *testing.T, seq func(func(T, error) bool)) []T {
	t.Helper()
	var out []T
	for v, err := range seq {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

func TestWebhookRetriesThenDisablesAndReactivates(t *testing.T) {
	w := NewWorld(3, 60)
	fake := NewTestServer(t, w, Options{Webhooks: WebhookOptions{Retries: 3, Backoff: time.Millisecond}})
	c := fake.Client()
	person := pick(t, w, "known person", func(p *Person) bool { return p.Known && !p.Restricted })
	failing := true
	var mu sync.Mutex
	rc := &receiver{next: func(int) int {
		mu.Lock()
		defer mu.Unlock()
		if failing {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	}}
	hook := httptest.NewServer(rc)
	t.Cleanup(hook.Close)
	subID := subscribe(t, c, hook.URL, person)

	before := fake.CreditsUsed()
	fake.EmitSignal(promotionSignal(person, time.Now()))
	fake.WaitDeliveries()
	got := rc.deliveries()
	if len(got) != 4 {
		t.Fatalf("attempts = %d, want 1 + 3 retries", len(got))
	}
	if !bytes.Equal(got[0].body, got[3].body) {
		t.Error("retries changed the body")
	}
	if spent := fake.CreditsUsed() - before; spent != 1 {
		t.Errorf("retries charged: %d credits, want 1", spent)
	}
	sub, _, err := c.Subscription(t.Context(), subID)
	if err != nil || sub.IsActive || sub.BlockReason == nil || *sub.BlockReason != lusha.BlockReasonMaxRetries || sub.BlockedAt == nil {
		t.Fatalf("after max retries: %+v, %v", sub, err)
	}
	logs := collect(t, c.AuditLogs(t.Context(), lusha.AuditLogQuery{SubscriptionID: subID, PageSize: 2}))
	statuses := map[string]int{}
	for _, e := range logs {
		statuses[e.Status]++
	}
	if statuses[lusha.DeliveryFailed] != 3 || statuses[lusha.DeliveryPermanentFailure] != 1 || logs[0].Status != lusha.DeliveryPermanentFailure {
		t.Errorf("audit statuses = %v (newest %q)", statuses, logs[0].Status)
	}
	if st, _, _ := c.AuditLogStats(t.Context(), subID); st == nil || *st != (lusha.AuditLogStats{Total: 4, Failed: 4, SuccessRate: "0.00%"}) {
		t.Errorf("stats = %+v", st)
	}

	// A disabled subscription gets nothing; reactivation clears the block.
	if n := fake.EmitSignal(promotionSignal(person, time.Now())); n != 0 {
		t.Errorf("disabled subscription got %d deliveries", n)
	}
	on := true
	sub, _, err = c.UpdateSubscription(t.Context(), subID, lusha.UpdateSubscriptionRequest{IsActive: &on})
	if err != nil || !sub.IsActive || sub.BlockReason != nil || sub.BlockedAt != nil || sub.Secret != "" {
		t.Fatalf("reactivated = %+v, %v", sub, err)
	}
	mu.Lock()
	failing = false
	mu.Unlock()
	fake.EmitSignal(promotionSignal(person, time.Now()))
	fake.WaitDeliveries()
	if st, _, _ := c.AuditLogStats(t.Context(), subID); st == nil || st.Success != 1 || st.SuccessRate != "20.00%" {
		t.Errorf("stats after recovery = %+v", st)
	}
}

func TestCloseStopsDeliveriesWaitingToRetry(t *testing.T) {
	w := NewWorld(3, 60)
	fake := NewServer(w, Options{Webhooks: WebhookOptions{Backoff: time.Hour}})
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	c := lusha.NewClient(fake.APIKey(), lusha.WithBaseURL(srv.URL))
	person := pick(t, w, "known person", func(p *Person) bool { return p.Known && !p.Restricted })
	firstAttempt := make(chan struct{}, 1)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		select {
		case firstAttempt <- struct{}{}:
		default:
		}
		w.WriteHeader(http.StatusInternalServerError)
	}))
	t.Cleanup(hook.Close)
	subscribe(t, c, hook.URL, person)
	fake.EmitSignal(promotionSignal(person, time.Now()))
	<-firstAttempt
	fake.Close() // must not wait out the hour of backoff; goleak checks nothing is left
	if n := fake.EmitSignal(promotionSignal(person, time.Now())); n != 0 {
		t.Errorf("closed server started %d deliveries", n)
	}
}

func TestSubscriptionRules(t *testing.T) {
	w := NewWorld(3, 60)
	fake := NewTestServer(t, w, Options{Webhooks: WebhookOptions{MaxSubscriptions: 3}})
	c := fake.Client()
	ctx := t.Context()
	items := func(ids ...string) []lusha.SubscriptionItem {
		var out []lusha.SubscriptionItem
		for _, id := range ids {
			out = append(out, lusha.SubscriptionItem{EntityID: id})
		}
		return out
	}
	defaults := lusha.SubscriptionDefaults{URL: "https://example.com/hook", EntityType: lusha.EntityCompany,
		SignalTypes: []string{"surgeInHiring"}}
	out, _, err := c.CreateSubscriptions(ctx, lusha.CreateSubscriptionsRequest{Defaults: defaults,
		Subscriptions: append(items("1", "2", "1", "3", "4"), lusha.SubscriptionItem{EntityID: "5", SignalTypes: []string{"promotion"}})})
	if err != nil {
		t.Fatal(err)
	}
	codes := []string{}
	for _, r := range out.Results {
		if r.Error != nil {
			codes = append(codes, r.Error.Code)
		} else {
			codes = append(codes, "ok")
		}
	}
	want := []string{"ok", "ok", lusha.SubscriptionDuplicate, "ok", lusha.SubscriptionForbidden, lusha.SubscriptionValidationError}
	if !slicesEqual(codes, want) || out.Successful != 3 || out.Failed != 3 {
		t.Errorf("results = %v (%d ok, %d failed), want %v", codes, out.Successful, out.Failed, want)
	}
	if _, _, err := c.CreateSubscriptions(ctx, lusha.CreateSubscriptionsRequest{Defaults: defaults, Subscriptions: items("9")}); err == nil {
		t.Error("create beyond the limit succeeded, want 403")
	}
	subs := collect(t, c.Subscriptions(ctx, 1))
	if len(subs) != 3 || subs[0].EntityID != "3" || subs[2].EntityID != "1" {
		t.Errorf("list (newest first) = %+v", subs)
	}
	// 26 items are refused by the client before sending.
	var many []lusha.SubscriptionItem
	for i := range 26 {
		many = append(many, lusha.SubscriptionItem{EntityID: string(rune('a' + i))})
	}
	if _, resp, err := c.CreateSubscriptions(ctx, lusha.CreateSubscriptionsRequest{Defaults: defaults, Subscriptions: many}); err == nil || resp != nil {
		t.Errorf("26 items: %v, %v", resp, err)
	}
}

func slicesEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
