package statetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/leadsync/leadsync/state"
)

type refresher interface {
	RefreshDue(ctx context.Context, pipeline, account string, before time.Time, limit int) ([]state.Due, error)
	CreditsSpentOn(ctx context.Context, suffix string, since time.Time) (int, error)
}

// testRefreshDue: a done record is due once it was last handled before the cutoff
// and its identity has no answer fetched since; its Lusha id comes from the cached
// answer, else from its latest ledger row; the data points the account owns, from
// the answer (revealed with a value: phones asked for and empty are not owned)
// and from the ledger's source paths. Records never written from Lusha,
// parked ones, other pipelines' and other accounts' are not due; the oldest come
// first, at most limit. Refresh spend is summed by its call suffix.
func testRefreshDue(t *testing.T, s state.Store, _ *Clock) {
	ctx := t.Context()
	rf, ok := s.(refresher)
	if !ok {
		t.Fatalf("%T cannot list records due for refresh", s)
	}
	day := 24 * time.Hour
	old, recent := Epoch, Epoch.Add(10*day)
	// cached: answer fetched long ago (due); fresh: answer fetched recently (not due).
	if err := s.SaveEnrichments(ctx, state.Spend{Pipeline: "p", Call: "contacts/enrich (refresh)", Credits: 5, At: recent},
		[]state.Enrichment{
			{Key: "cached", Outcome: state.OutcomeMatched, LushaID: "L1", Answer: []byte(`{"emails":[{"email":"a@b.c"}],"phones":[]}`),
				Revealed: []string{"emails", "phones"}, FetchedAt: old, ExpiresAt: recent.Add(day)},
			{Key: "fresh", Outcome: state.OutcomeMatched, LushaID: "L2", Answer: []byte(`{}`), FetchedAt: recent,
				ExpiresAt: recent.Add(day)},
			{Key: "nomatch", Outcome: state.OutcomeNoMatch, FetchedAt: old, ExpiresAt: recent.Add(day)},
		}); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveEnrichments(ctx, state.Spend{Pipeline: "p", Call: "contacts/enrich", Credits: 7, At: recent}, nil); err != nil {
		t.Fatal(err)
	}
	rec := func(id, status, key string, at time.Time) state.RecordState {
		return state.RecordState{CRMID: id, Status: status, IdentityKey: key, UpdatedAt: at}
	}
	ledger := func(id, lushaID string, at time.Time) state.LedgerEntry {
		return state.LedgerEntry{RunID: "r", CRMObject: "contacts", CRMID: id, Field: "jobtitle", NewValue: "x",
			SourcePath: "contact.jobTitle.title", LushaID: lushaID, WrittenAt: at}
	}
	phone := ledger("7", "L7", old)
	phone.Field, phone.SourcePath = "phone", "contact.phones[0].number"
	if err := s.CommitPage(ctx, state.PageCommit{Pipeline: "p", Account: "a", Records: []state.RecordState{
		rec("1", state.StatusDone, "cached", old.Add(time.Hour)),     // due, id and revealed from the cache
		rec("2", state.StatusDone, "fresh", old),                     // answer fetched since: not due
		rec("3", state.StatusDone, "expired", old),                   // due, id from the ledger
		rec("4", state.StatusDone, "nomatch", old),                   // nothing ever written: not due
		rec("5", state.StatusParked, "expired", old),                 // in the retry queue: not due
		rec("6", state.StatusDone, "cached", recent),                 // handled since: not due
		rec("7", state.StatusDone, "expired2", old.Add(2*time.Hour)), // due, third
	}, Ledger: []state.LedgerEntry{ledger("3", "L3-old", old.Add(-day)), ledger("3", "L3", old),
		ledger("7", "L7", old), phone, ledger("5", "L5", old)}}); err != nil {
		t.Fatal(err)
	}
	if err := s.CommitPage(ctx, state.PageCommit{Pipeline: "q", Account: "a", Records: []state.RecordState{
		rec("8", state.StatusDone, "cached", old)}}); err != nil {
		t.Fatal(err)
	}
	cutoff := Epoch.Add(5 * day)
	got, err := rf.RefreshDue(ctx, "p", "a", cutoff, 10)
	want := []state.Due{{CRMID: "3", LushaID: "L3"}, {CRMID: "1", LushaID: "L1", Revealed: []string{"emails"}},
		{CRMID: "7", LushaID: "L7", Revealed: []string{"phones"}}}
	if diff := cmp.Diff(want, got, equate); err != nil || diff != "" {
		t.Errorf("RefreshDue (-want +got) %v:\n%s", err, diff)
	}
	if got, err := rf.RefreshDue(ctx, "p", "a", cutoff, 1); err != nil || len(got) != 1 || got[0].CRMID != "3" {
		t.Errorf("RefreshDue limit 1 = %v, %v", got, err)
	}
	if got, err := rf.RefreshDue(ctx, "p", "other", cutoff, 10); err != nil || len(got) != 0 {
		t.Errorf("RefreshDue of another account = %v, %v", got, err)
	}
	if n, err := rf.CreditsSpentOn(ctx, " (refresh)", recent); err != nil || n != 5 {
		t.Errorf("CreditsSpentOn = %d, %v; want 5", n, err)
	}
	if n, err := rf.CreditsSpentOn(ctx, " (refresh)", recent.Add(time.Millisecond)); err != nil || n != 0 {
		t.Errorf("CreditsSpentOn after = %d, %v; want 0", n, err)
	}
}
