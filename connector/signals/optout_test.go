package signals_test

import (
	"testing"

	"github.com/leadsync/leadsync/connector/signals"
	"github.com/leadsync/leadsync/lusha"
)

// TestEnsureOptOut creates the opt-out subscription once, keeps it on the next
// start, and moves it back to the receiver (active) when it pointed elsewhere or
// Lusha disabled it.
func TestEnsureOptOut(t *testing.T) {
	r := newRig(t)
	ctx := t.Context()
	ensure := func(url, want string) {
		t.Helper()
		got, err := signals.EnsureOptOut(ctx, r.client, url)
		if err != nil || got != want {
			t.Fatalf("EnsureOptOut(%s) = %q, %v; want %q", url, got, err, want)
		}
		var subs []lusha.Subscription
		for s, err := range r.client.Subscriptions(ctx, 0) {
			if err != nil {
				t.Fatal(err)
			}
			subs = append(subs, s)
		}
		if len(subs) != 1 || subs[0].URL != url || !subs[0].IsActive {
			t.Fatalf("subscriptions after %s = %+v; want one active opt-out at %s", want, subs, url)
		}
	}
	ensure(r.url(), signals.OptOutCreated)
	ensure(r.url(), signals.OptOutKept)
	ensure(r.url()+"?moved", signals.OptOutUpdated)
	var id string
	for s := range r.client.Subscriptions(ctx, 0) {
		id = s.ID
	}
	off := false
	if _, _, err := r.client.UpdateSubscription(ctx, id, lusha.UpdateSubscriptionRequest{IsActive: &off}); err != nil {
		t.Fatal(err)
	}
	ensure(r.url(), signals.OptOutUpdated)
	// The subscription it keeps delivers to the receiver.
	r.emitOptOut(r.person())
	if got := r.inbox()["received"]; got != 1 {
		t.Errorf("inbox after an opt-out = %v", r.inbox())
	}
}
