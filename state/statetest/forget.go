package statetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/leadsync/leadsync/state"
)

func testForget(t *testing.T, s state.Store, _ *Clock) {
	ctx := t.Context()
	ans := func(key string) state.Enrichment {
		return state.Enrichment{Key: key, Outcome: state.OutcomeMatched, Answer: []byte(`{"name":"` + key + `"}`),
			FetchedAt: Epoch, ExpiresAt: Epoch.Add(time.Hour)}
	}
	if err := s.SaveEnrichments(ctx, state.Spend{Pipeline: "p", Call: "c", Credits: 1, At: Epoch},
		[]state.Enrichment{ans("gone"), ans("kept")}); err != nil {
		t.Fatal(err)
	}
	rec := func(id, key string) state.RecordState {
		return state.RecordState{CRMID: id, Status: state.StatusDone, IdentityKey: key, UpdatedAt: Epoch}
	}
	led := func(id, v string) state.LedgerEntry {
		return state.LedgerEntry{RunID: "r", CRMObject: "contacts", CRMID: id, Field: "phone",
			OldValue: "old", NewValue: v, WrittenAt: Epoch}
	}
	for _, pc := range []state.PageCommit{
		{Pipeline: "p", Records: []state.RecordState{rec("1", "gone"), rec("2", "gone"), rec("3", "kept")},
			Ledger: []state.LedgerEntry{led("1", "+111"), led("3", "+333")}},
		{Pipeline: "q", Records: []state.RecordState{rec("1", "gone")}},
	} {
		if err := s.CommitPage(ctx, pc); err != nil {
			t.Fatal(err)
		}
	}

	if err := s.Forget(ctx, "gone", []string{"1", "2"}, Epoch); err != nil {
		t.Fatalf("Forget: %v", err)
	}

	for key, want := range map[string]bool{"gone": false, "kept": true} {
		if e, err := s.Enrichment(ctx, key, Epoch); err != nil || (e != nil) != want {
			t.Errorf("Enrichment(%s) = %v, %v; want present=%v", key, e, err, want)
		}
		if sup, err := s.Suppressed(ctx, key); err != nil || sup == want {
			t.Errorf("Suppressed(%s) = %v, %v; want %v", key, sup, err, !want)
		}
	}
	for p, wantIDs := range map[string][]string{"p": {"3"}, "q": nil} {
		got, err := s.Records(ctx, p, []string{"1", "2", "3"})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for id := range got {
			ids = append(ids, id)
		}
		if diff := cmp.Diff(wantIDs, ids, equate); diff != "" {
			t.Errorf("Records(%s) after Forget (-want +got):\n%s", p, diff)
		}
	}
	for id, want := range map[string]map[string]string{"1": {}, "3": {"phone": "+333"}} {
		got, err := s.Owned(ctx, "contacts", id)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got, equate); diff != "" {
			t.Errorf("Owned(%s) after Forget (-want +got):\n%s", id, diff)
		}
	}
	// Credits paid stay accounted for: forgetting a person refunds nothing.
	if n, err := s.CreditsSpent(ctx, "", Epoch); err != nil || n != 1 {
		t.Errorf("CreditsSpent after Forget = %d, %v; want 1", n, err)
	}
}
