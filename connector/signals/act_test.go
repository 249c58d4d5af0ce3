package signals_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/leadsync/leadsync/connector/signals"
	"github.com/leadsync/leadsync/lusha"
	"github.com/leadsync/leadsync/lusha/lushatest"
	"github.com/leadsync/leadsync/state"
)

// actions is an ActFunc that records each action and stops while out is set.
type actions struct {
	got     []signals.Action
	stopped string
	fail    error
}

func (a *actions) act(_ context.Context, x signals.Action) (signals.Outcome, error) {
	a.got = append(a.got, x)
	return signals.Outcome{RunID: "r", Stopped: a.stopped}, a.fail
}

// TestSignalActsInSubscribedPipelines: a person's companyChange is handed to the
// pipelines that subscribed to its type and hold the person's records (found by
// the Lusha id), with the signal's id, data and arrival; a pipeline that did not
// subscribe, or holds none of theirs, is not asked. A stopped action leaves the
// delivery received while a later opt-out is applied; the next pass acts again.
func TestSignalActsInSubscribedPipelines(t *testing.T) {
	r := newRig(t)
	ctx := t.Context()
	p, other := r.person(), r.otherPerson()
	r.subscribe(p)
	r.subscribeOptOuts()
	if err := r.store.SaveEnrichments(ctx, state.Spend{Pipeline: "a", Call: "c", Credits: 1}, []state.Enrichment{
		{Key: "k", Outcome: state.OutcomeMatched, LushaID: p.ID, Answer: []byte(`{}`), FetchedAt: time.Now(),
			ExpiresAt: time.Now().Add(time.Hour)}}); err != nil {
		t.Fatal(err)
	}
	for _, pipe := range []string{"a", "b", "c"} {
		if err := r.store.CommitPage(ctx, state.PageCommit{Pipeline: pipe, Account: "hs", Records: []state.RecordState{
			{CRMID: "c-" + pipe, Status: state.StatusDone, IdentityKey: "k", UpdatedAt: time.Now()}}}); err != nil {
			t.Fatal(err)
		}
	}
	got := &actions{stopped: "out of credits"}
	proc := signals.NewProcessor(signals.ProcessorOptions{Store: r.store, Metrics: r.metrics, Acting: &signals.Acting{
		Pipelines: []signals.Subscriber{{Pipeline: "a", Contact: []string{lusha.SignalCompanyChange}},
			{Pipeline: "b", Contact: []string{lusha.SignalPromotion}},
			{Pipeline: "d", Contact: []string{lusha.SignalAll}}},
		Act: got.act}})
	r.emitSignal(p)
	r.emitOptOut(other)
	if n, err := proc.Drain(ctx); err != nil || n != 1 {
		t.Fatalf("first pass settled %d (%v); want the opt-out only", n, err)
	}
	if c := r.inbox(); c[state.InboxReceived] != 1 || c[state.InboxApplied] != 1 {
		t.Errorf("inbox after a stopped action: %v; want the signal received, the opt-out applied", c)
	}
	got.stopped = ""
	if n, err := proc.Drain(ctx); err != nil || n != 1 {
		t.Fatalf("second pass settled %d (%v); want the signal", n, err)
	}
	if c := r.inbox(); c[state.InboxApplied] != 2 || r.metrics.get(r.metrics.applied, "contact") != 1 {
		t.Errorf("inbox %v, contact signals applied %d; want both applied, one counted", c,
			r.metrics.get(r.metrics.applied, "contact"))
	}
	if len(got.got) != 2 {
		t.Fatalf("actions %+v; want pipeline a's, twice", got.got)
	}
	for _, a := range got.got {
		if a.Pipeline != "a" || a.Type != lusha.SignalCompanyChange || a.SignalID == "" || a.At.IsZero() ||
			!slices.Equal(a.CRMIDs, []string{"c-a"}) || a.Data.(map[string]any)["signalDate"] != "2026-11-01" {
			t.Errorf("action %+v", a)
		}
	}
}

// TestSignalFailedActionWaits: an action that fails leaves its delivery received,
// and the pass goes on.
func TestSignalFailedActionWaits(t *testing.T) {
	r := newRig(t)
	ctx := t.Context()
	p := r.person()
	r.subscribe(p)
	if err := r.store.SaveEnrichments(ctx, state.Spend{Pipeline: "a", Call: "c", Credits: 1}, []state.Enrichment{
		{Key: "k", Outcome: state.OutcomeMatched, LushaID: p.ID, Answer: []byte(`{}`), FetchedAt: time.Now(),
			ExpiresAt: time.Now().Add(time.Hour)}}); err != nil {
		t.Fatal(err)
	}
	if err := r.store.CommitPage(ctx, state.PageCommit{Pipeline: "a", Account: "hs", Records: []state.RecordState{
		{CRMID: "c-a", Status: state.StatusDone, IdentityKey: "k", UpdatedAt: time.Now()}}}); err != nil {
		t.Fatal(err)
	}
	got := &actions{fail: errors.New("lease held by another run")}
	proc := signals.NewProcessor(signals.ProcessorOptions{Store: r.store, Acting: &signals.Acting{
		Pipelines: []signals.Subscriber{{Pipeline: "a", Contact: []string{lusha.SignalAll}}}, Act: got.act}})
	r.emitSignal(p)
	if n, err := proc.Drain(ctx); err != nil || n != 0 || r.inbox()[state.InboxReceived] != 1 {
		t.Fatalf("Drain settled %d (%v), inbox %v; want the signal still received", n, err, r.inbox())
	}
}

// TestSignalNobodyActsOnIsRecorded: a signal about a person no subscribed
// pipeline holds is settled recorded, with no action.
func TestSignalNobodyActsOnIsRecorded(t *testing.T) {
	r := newRig(t)
	p := r.person()
	r.subscribe(p)
	got := &actions{}
	proc := signals.NewProcessor(signals.ProcessorOptions{Store: r.store, Acting: &signals.Acting{
		Pipelines: []signals.Subscriber{{Pipeline: "a", Contact: []string{lusha.SignalAll}}}, Act: got.act}})
	r.emitSignal(p)
	if n, err := proc.Drain(t.Context()); err != nil || n != 1 || r.inbox()[state.InboxRecorded] != 1 || len(got.got) != 0 {
		t.Errorf("Drain settled %d (%v), inbox %v, actions %v; want recorded, none", n, err, r.inbox(), got.got)
	}
}

// otherPerson is a known, unrestricted person other than person().
func (r *rig) otherPerson() *lushatest.Person {
	first := r.person()
	for i := range r.world.People {
		if p := &r.world.People[i]; p != first && p.Known && !p.Restricted {
			return p
		}
	}
	r.t.Fatal("the world has one known person")
	return nil
}
