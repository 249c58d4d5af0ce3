package signals_test

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/leadsync/leadsync/connector/limit"
	"github.com/leadsync/leadsync/connector/signals"
	"github.com/leadsync/leadsync/lusha"
	"github.com/leadsync/leadsync/lusha/lushatest"
	"github.com/leadsync/leadsync/state"
)

// TestSubscriptionsOfEnrichedPeople: the people a pipeline wrote are subscribed
// to its signal types in calls of at most 25, delivering to the receiver; a
// second pass changes nothing.
func TestSubscriptionsOfEnrichedPeople(t *testing.T) {
	r := newSubRig(t, lushatest.Options{})
	r.people(0, 60)
	m := r.manager(signals.ManagerOptions{})
	st := r.pass(m)
	if n := creates(t, r.count.take()); n != 60 {
		t.Errorf("subscriptions created = %d, want 60", n)
	}
	if !st.Managed || st.Wanted != 60 || st.Active != 60 || st.Account != 60 || st.Missing != 0 || st.Full || st.Err != "" {
		t.Errorf("status = %+v", st)
	}
	subs := r.subs()
	s, ok := subs["P007"]
	if len(subs) != 60 || !ok || s.EntityType != lusha.EntityContact || s.URL != r.url() || !s.IsActive ||
		!slices.Equal(s.SignalTypes, []string{lusha.SignalCompanyChange, lusha.SignalPromotion}) {
		t.Errorf("%d subscriptions; P007's = %+v", len(subs), s)
	}
	r.pass(m)
	if calls := r.count.take(); len(calls) != 1 || only(calls, http.MethodGet, "/api/subscriptions") != 1 {
		t.Errorf("a second pass made %+v, want one list call", calls)
	}
}

// TestSubscriptionsPaced: with a window of 4 calls a minute (Lusha's is 100), a
// pass of 6 calls waits for the next minute and the fake, which counts its own
// window on the same clock, never refuses one.
func TestSubscriptionsPaced(t *testing.T) {
	r := newSubRig(t, lushatest.Options{Limits: lushatest.Limits{WebhooksPerMinute: 4}})
	r.people(0, 120)
	m := r.manager(signals.ManagerOptions{
		Limiter: &limit.Window{N: 4, Per: time.Minute, Now: r.clock.Now, Sleep: r.clock.Sleep}})
	r.pass(m)
	calls := r.count.take()
	if len(calls) != 6 || creates(t, calls) != 120 {
		t.Fatalf("calls = %+v; want a list and 5 creates of 120 in all", calls)
	}
	perMinute := map[time.Time]int{}
	for _, c := range calls {
		if c.status == http.StatusTooManyRequests {
			t.Errorf("the fake refused a call: %+v", c)
		}
		perMinute[c.at.Truncate(time.Minute)]++
	}
	for start, n := range perMinute {
		if n > 4 {
			t.Errorf("%d calls in the minute from %v", n, start)
		}
	}
	if len(perMinute) < 2 {
		t.Errorf("calls in %d minute(s): %v", len(perMinute), perMinute)
	}
}

// TestSubscriptionsOfForgottenPeople: a forgotten person and one whose record the
// pipeline no longer holds are unsubscribed; the others stay.
func TestSubscriptionsOfForgottenPeople(t *testing.T) {
	r := newSubRig(t, lushatest.Options{})
	r.people(0, 5)
	m := r.manager(signals.ManagerOptions{})
	r.pass(m)
	before := r.subs()
	if _, err := r.store.ForgetPerson(t.Context(), state.Forget{LushaIDs: []string{"P001"}, At: epoch}); err != nil {
		t.Fatal(err)
	}
	if err := r.store.CommitPage(t.Context(), state.PageCommit{Pipeline: "p", Account: "a", Drop: []string{"002"}}); err != nil {
		t.Fatal(err)
	}
	r.count.take()
	st := r.pass(m)
	calls := r.count.take()
	after := r.subs()
	if len(after) != 3 || after["P001"].ID != "" || after["P002"].ID != "" || after["P000"].ID != before["P000"].ID {
		t.Errorf("subscriptions after = %v", after)
	}
	if only(calls, http.MethodPost, "/api/subscriptions/delete") != 1 || creates(t, calls) != 0 || st.Active != 3 {
		t.Errorf("calls %+v, status %+v; want one delete call", calls, st)
	}
}

// TestSubscriptionsAfterRestart: a new manager on the same state and account
// converges from Lusha's list: it recreates none, deletes leadsync's orphan and
// leaves alone what is not leadsync's.
func TestSubscriptionsAfterRestart(t *testing.T) {
	r := newSubRig(t, lushatest.Options{})
	r.people(0, 30)
	r.pass(r.manager(signals.ManagerOptions{}))
	before := r.subs()
	for _, it := range []struct{ id, name string }{{"P900", signals.SubscriptionName}, {"P901", "someone else's"}} {
		if _, _, err := r.raw.CreateSubscriptions(t.Context(), lusha.CreateSubscriptionsRequest{Name: it.name,
			Defaults:      lusha.SubscriptionDefaults{URL: r.url(), EntityType: lusha.EntityContact, SignalTypes: []string{lusha.SignalAll}},
			Subscriptions: []lusha.SubscriptionItem{{EntityID: it.id}}}); err != nil {
			t.Fatal(err)
		}
	}
	r.people(30, 32) // written while the daemon was down
	r.count.take()
	r.store = r.open()
	// host-a crashed: its lease is taken at once.
	st := r.pass(r.manager(signals.ManagerOptions{Owner: "host-b", Alive: func(o string) bool { return o != "host-a" }}))
	calls := r.count.take()
	after := r.subs()
	if n := creates(t, calls); n != 2 {
		t.Errorf("created %d after the restart, want the 2 new people", n)
	}
	for id, s := range before {
		if after[id].ID != s.ID {
			t.Errorf("%s's subscription %s became %+v", id, s.ID, after[id])
		}
	}
	if _, ok := after["P900"]; ok {
		t.Error("leadsync's orphan P900 is still subscribed")
	}
	if _, ok := after["P901"]; !ok {
		t.Error("someone else's subscription P901 was deleted")
	}
	if len(after) != 33 || st.Active != 32 || st.Account != 33 {
		t.Errorf("%d subscriptions, status %+v", len(after), st)
	}
}

// TestSubscriptionsCap: the cap counts the account's other subscriptions and
// holds; Lusha's own limit (its 403 and per-item refusals) stops creating as well,
// reported as full and not as a failure.
func TestSubscriptionsCap(t *testing.T) {
	t.Run("max", func(t *testing.T) {
		r := newSubRig(t, lushatest.Options{})
		if _, _, err := r.raw.CreateOptOutSubscription(t.Context(), lusha.CreateOptOutSubscriptionRequest{URL: r.url()}); err != nil {
			t.Fatal(err)
		}
		r.people(0, 20)
		st := r.pass(r.manager(signals.ManagerOptions{Max: 10}))
		if n := len(r.subs()); n != 10 || !st.Full || st.Active != 9 || st.Missing != 11 || st.Account != 10 {
			t.Errorf("%d subscriptions, status %+v; want 10, full", n, st)
		}
	})
	t.Run("lusha", func(t *testing.T) {
		r := newSubRig(t, lushatest.Options{Webhooks: lushatest.WebhookOptions{MaxSubscriptions: 7}})
		r.people(0, 40)
		m := r.manager(signals.ManagerOptions{})
		for range 2 { // the first pass meets per-item refusals, the second a 403
			st := r.pass(m)
			if n := len(r.subs()); n != 7 || !st.Full || st.Active != 7 || st.Missing != 33 {
				t.Errorf("%d subscriptions, status %+v; want 7, full", n, st)
			}
		}
		if calls := r.count.take(); only(calls, http.MethodPost, "/api/subscriptions") != 2 {
			t.Errorf("calls = %+v; want one create a pass", calls)
		}
	})
}

// TestSubscriptionsReenabled: a subscription Lusha disabled after failed
// deliveries shows on the status while the receiver is down, and is re-enabled
// once the receiver answers its URL challenge again.
func TestSubscriptionsReenabled(t *testing.T) {
	r := newSubRig(t, lushatest.Options{})
	r.people(0, 3)
	gauges := &gauges{}
	m := r.manager(signals.ManagerOptions{Metrics: gauges})
	r.pass(m)
	r.healthy.Store(false)
	if n := r.fake.EmitSignal(lushatest.Signal{EntityType: lusha.EntityContact, EntityID: "P001",
		Type: lusha.SignalPromotion, Data: map[string]any{"personId": "P001"}}); n != 1 {
		t.Fatalf("deliveries = %d", n)
	}
	r.fake.WaitDeliveries()
	if s := r.subs()["P001"]; s.IsActive || s.BlockReason == nil {
		t.Fatalf("P001's subscription after failed deliveries: %+v", s)
	}
	st := r.pass(m)
	if st.Disabled != 1 || st.Active != 2 || len(st.Blocked) != 1 || st.Blocked[0].EntityID != "P001" ||
		st.Blocked[0].Reason != lusha.BlockReasonMaxRetries {
		t.Errorf("status while the receiver is down = %+v", st)
	}
	if s := r.subs()["P001"]; s.IsActive {
		t.Error("re-enabled while the receiver is down")
	}
	if *gauges != [4]int{2, 1, 0, 0} {
		t.Errorf("gauges (active, disabled, missing, max) = %v", *gauges)
	}
	r.healthy.Store(true)
	st = r.pass(m)
	if s := r.subs()["P001"]; !s.IsActive || s.BlockReason != nil {
		t.Errorf("P001's subscription once healthy: %+v", s)
	}
	if st.Disabled != 0 || st.Active != 3 || len(st.Blocked) != 0 {
		t.Errorf("status once healthy = %+v", st)
	}
}

// TestSubscriptionsOneReplica: while one manager holds the lease another makes no
// call; when the first ends, the lease is the other's.
func TestSubscriptionsOneReplica(t *testing.T) {
	r := newSubRig(t, lushatest.Options{})
	r.people(0, 3)
	a := r.manager(signals.ManagerOptions{Every: time.Hour})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { defer close(done); a.Run(ctx) }()
	b := r.manager(signals.ManagerOptions{Owner: "host-b"})
	for !a.Status().Managed { // a's first pass
		time.Sleep(10 * time.Millisecond)
	}
	r.count.take()
	if st := r.pass(b); st.Managed || len(r.count.take()) != 0 {
		t.Errorf("b's pass while a runs: %+v", st)
	}
	cancel()
	<-done
	if st := r.pass(b); !st.Managed || st.Active != 3 {
		t.Errorf("b's pass once a ended: %+v", st)
	}
}

// gauges records SetSubscriptions.
type gauges [4]int

func (g *gauges) SetSubscriptions(active, disabled, missing, max int) {
	*g = gauges{active, disabled, missing, max}
}

// TestSubscriptionsOfCompanies: a company pipeline's companies are watched while
// it holds their records; a people pipeline's company records by the ledger alone.
func TestSubscriptionsOfCompanies(t *testing.T) {
	r := newSubRig(t, lushatest.Options{})
	commit := func(pipeline string, c state.PageCommit) {
		t.Helper()
		c.Pipeline, c.Account = pipeline, "a"
		if err := r.store.CommitPage(t.Context(), c); err != nil {
			t.Fatal(err)
		}
	}
	write := func(object, crmID, lushaID string) state.LedgerEntry {
		return state.LedgerEntry{RunID: "r", CRMObject: object, CRMID: crmID, Field: "industry", NewValue: "x",
			LushaID: lushaID, WrittenAt: epoch}
	}
	commit("c", state.PageCommit{Records: []state.RecordState{{CRMID: "c1", Status: state.StatusDone, UpdatedAt: epoch},
		{CRMID: "c2", Status: state.StatusDone, UpdatedAt: epoch}},
		Ledger: []state.LedgerEntry{write("companies", "c1", "C1"), write("companies", "c2", "C2")}})
	commit("c", state.PageCommit{Drop: []string{"c2"}})
	r.people(0, 1)
	commit("p", state.PageCommit{Ledger: []state.LedgerEntry{write("companies", "c3", "C3")}})
	m := r.manager(signals.ManagerOptions{Watches: []signals.Watch{
		{Pipeline: "c", Object: "companies", CompanyObject: "companies", Company: []string{"riskNews"}},
		{Pipeline: "p", Object: "contacts", CompanyObject: "companies", Company: []string{"headcountIncrease3m", "riskNews"}},
	}})
	r.pass(m)
	subs := r.subs()
	if len(subs) != 2 || subs["C1"].EntityType != lusha.EntityCompany || subs["C2"].ID != "" ||
		!slices.Equal(subs["C3"].SignalTypes, []string{"headcountIncrease3m", "riskNews"}) {
		t.Errorf("subscriptions = %+v; want C1 and C3 (P000 has no contact signals)", subs)
	}
}

// TestSubscriptionsFollowTheConfig: new signal types update leadsync's
// subscriptions in place; none is recreated.
func TestSubscriptionsFollowTheConfig(t *testing.T) {
	r := newSubRig(t, lushatest.Options{})
	r.people(0, 3)
	r.pass(r.manager(signals.ManagerOptions{}))
	before := r.subs()
	w := peopleWatch
	w.Contact = []string{lusha.SignalAll}
	r.count.take()
	r.pass(r.manager(signals.ManagerOptions{Watches: []signals.Watch{w}}))
	calls := r.count.take()
	for id, s := range r.subs() {
		if s.ID != before[id].ID || !slices.Equal(s.SignalTypes, []string{lusha.SignalAll}) {
			t.Errorf("%s: %+v", id, s)
		}
	}
	if creates(t, calls) != 0 || only(calls, http.MethodPatch, "/api/subscriptions/") != 3 {
		t.Errorf("calls = %+v; want 3 updates", calls)
	}
}
