package statetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/leadsync/leadsync/state"
)

// testForgetPerson forgets a person known under two e-mail keys and a name key,
// all answered by one Lusha person, from one of the keys: every key and the Lusha
// person id are suppressed, their answers, records and ledger values go, and
// another person, a company answer with a colliding id and a colliding CRM id of
// another account stay.
func testForgetPerson(t *testing.T, s state.Store, _ *Clock) {
	ctx := t.Context()
	if any, err := s.AnyPersonForgotten(ctx); err != nil || any {
		t.Fatalf("a new store has forgotten someone: %v %v", any, err)
	}
	if err := s.Suppress(ctx, "lusha-lookalike-key", "restricted", Epoch); err != nil {
		t.Fatal(err)
	}
	if any, _ := s.AnyPersonForgotten(ctx); any {
		t.Error("an identity key that only looks like a Lusha person key counts as a forgotten person")
	}
	defer func() {
		if any, err := s.AnyPersonForgotten(ctx); err != nil || !any {
			t.Errorf("after ForgetPerson no Lusha person is suppressed: %v %v", any, err)
		}
	}()
	answer := func(key, lushaID string) state.Enrichment {
		return state.Enrichment{Key: key, Outcome: state.OutcomeMatched, LushaID: lushaID,
			Answer: []byte(`{}`), FetchedAt: Epoch, ExpiresAt: Epoch.Add(time.Hour)}
	}
	if err := s.SaveEnrichments(ctx, state.Spend{Pipeline: "p", Call: "c", Credits: 4}, []state.Enrichment{
		answer("email-1", "L1"), answer("email-2", "L1"), answer("name-co", "L1"),
		answer("q", "L2"), answer("company:L1", "L1"),
	}); err != nil {
		t.Fatal(err)
	}
	rec := func(id, key string) state.RecordState {
		return state.RecordState{CRMID: id, Status: state.StatusDone, IdentityKey: key, UpdatedAt: Epoch}
	}
	led := func(id, lushaID string) state.LedgerEntry {
		return state.LedgerEntry{RunID: "r", CRMObject: "contacts", CRMID: id, Field: "title",
			OldValue: "old", NewValue: "new " + id, LushaID: lushaID, WrittenAt: Epoch}
	}
	for _, pc := range []state.PageCommit{
		{Pipeline: "p", Account: "a", Records: []state.RecordState{rec("1", "email-1"), rec("2", "email-2"), rec("3", "q")},
			Ledger: []state.LedgerEntry{led("1", "L1"), led("2", "L1"), led("3", "L2")}},
		{Pipeline: "p", Account: "b", Records: []state.RecordState{rec("1", "other-b")},
			Ledger: []state.LedgerEntry{led("1", "L9")}},
	} {
		if err := s.CommitPage(ctx, pc); err != nil {
			t.Fatal(err)
		}
	}
	steps := []struct {
		forget  state.Forget
		want    state.ForgetReport
		gone    []string // keys now suppressed, without an answer
		records map[string][]string
	}{
		{state.Forget{Keys: []string{"email-1"}, Account: "a"},
			state.ForgetReport{Suppressed: 4, Answers: 3, Records: 2, LedgerRows: 2},
			[]string{"email-1", "email-2", "name-co", state.LushaKey("L1")},
			map[string][]string{"a": {"3"}, "b": {"1"}}},
		{state.Forget{CRMIDs: []string{"1"}, At: Epoch}, // any account: b's record 1 now
			state.ForgetReport{Suppressed: 2, Answers: 0, Records: 1, LedgerRows: 1},
			[]string{"other-b", state.LushaKey("L9")},
			map[string][]string{"a": {"3"}}},
	}
	for i, st := range steps {
		rep, err := s.ForgetPerson(ctx, st.forget)
		if err != nil {
			t.Fatalf("step %d: ForgetPerson: %v", i, err)
		}
		if rep != st.want {
			t.Errorf("step %d: report %+v, want %+v", i, rep, st.want)
		}
		for _, key := range st.gone {
			sup, err := s.Suppressed(ctx, key)
			e, err2 := s.Enrichment(ctx, key, Epoch)
			if err != nil || err2 != nil || !sup || e != nil {
				t.Errorf("step %d: %s suppressed %v, answer %v (%v, %v); want suppressed, no answer", i, key, sup, e, err, err2)
			}
		}
		for _, account := range []string{"a", "b"} {
			got, err := s.RecordsOf(ctx, "p", account, []string{"1", "2", "3"})
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, id := range []string{"1", "2", "3"} {
				if _, ok := got[id]; ok {
					ids = append(ids, id)
				}
			}
			if diff := cmp.Diff(st.records[account], ids); diff != "" {
				t.Errorf("step %d: records of %s (-want +got):\n%s", i, account, diff)
			}
		}
	}
	for _, key := range []string{"q", "company:L1"} {
		if e, err := s.Enrichment(ctx, key, Epoch); err != nil || e == nil {
			t.Errorf("answer %s = %v, %v; want kept", key, e, err)
		}
	}
	if in, ok := s.(state.Inspector); ok {
		ledger, err := in.Ledger(ctx, "r", 0)
		if err != nil {
			t.Fatal(err)
		}
		var kept []string
		for _, e := range ledger {
			if e.LushaID != "" || e.NewValue != "" || e.OldValue != "" {
				kept = append(kept, e.Account+"/"+e.CRMID+" "+e.LushaID+" "+e.NewValue)
			}
		}
		if diff := cmp.Diff([]string{"a/3 L2 new 3"}, kept); diff != "" {
			t.Errorf("ledger rows with values or Lusha ids (-want +got):\n%s", diff)
		}
	}
	if n, err := s.CreditsSpent(ctx, "", Epoch); err != nil || n != 4 {
		t.Errorf("CreditsSpent = %d, %v; forgetting refunds nothing", n, err)
	}
	if _, err := s.ForgetPerson(ctx, state.Forget{Keys: []string{""}}); err == nil {
		t.Error("ForgetPerson of nobody succeeded")
	}
}
