package statetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/leadsync/leadsync/state"
)

// testMergeRecords merges M1 and M2 into S in account a and checks that ledger
// rows and record states follow the survivor, and that nothing of account b or of
// another object moves.
func testMergeRecords(t *testing.T, s state.Store, _ *Clock) {
	ctx := t.Context()
	rec := func(id, reason string) state.RecordState {
		return state.RecordState{CRMID: id, Status: state.StatusDone, Reason: reason, UpdatedAt: Epoch}
	}
	led := func(obj, id, field, value string, sec int, pending bool) state.LedgerEntry {
		return state.LedgerEntry{RunID: "r", CRMObject: obj, CRMID: id, Field: field, NewValue: value,
			WrittenAt: Epoch.Add(time.Duration(sec) * time.Second), Pending: pending}
	}
	for _, pc := range []state.PageCommit{
		{Pipeline: "p", Account: "a", Records: []state.RecordState{rec("S", "p S"), rec("M1", "p M1")},
			Ledger: []state.LedgerEntry{led("contacts", "S", "title", "S title", 1, false),
				led("contacts", "M1", "title", "M1 title", 2, false),
				led("contacts", "M2", "phone", "+2", 1, true),
				led("leads", "M1", "title", "a lead", 1, false)}},
		{Pipeline: "q", Account: "a", Records: []state.RecordState{rec("M1", "q M1"), rec("M2", "q M2")}},
		{Pipeline: "p", Account: "b", Records: []state.RecordState{rec("M1", "b M1")},
			Ledger: []state.LedgerEntry{led("contacts", "M1", "title", "b title", 1, false)}},
	} {
		if err := s.CommitPage(ctx, pc); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.MergeRecords(ctx, "a", "contacts", "S", []string{"M1", "S", "M2"}); err != nil {
		t.Fatalf("MergeRecords: %v", err)
	}
	ids := []string{"S", "M1", "M2"}
	wantReasons := map[string]map[string]string{ // pipeline/account → CRM id → reason
		"p/a": {"S": "p S"},
		"q/a": {"S": "q M1"},
		"p/b": {"M1": "b M1"},
	}
	for key, want := range wantReasons {
		pipeline, account := key[:1], key[2:]
		got, err := s.RecordsOf(ctx, pipeline, account, ids)
		if err != nil {
			t.Fatal(err)
		}
		reasons := map[string]string{}
		for id, r := range got {
			reasons[id] = r.Reason
		}
		if diff := cmp.Diff(want, reasons); diff != "" {
			t.Errorf("records of %s after the merge (-want +got):\n%s", key, diff)
		}
	}
	wantOwned := map[string]map[string]map[string]string{ // account/object → owned
		"a/contacts": {"S": {"title": "M1 title", "phone": "+2"}},
		"a/leads":    {"M1": {"title": "a lead"}},
		"b/contacts": {"M1": {"title": "b title"}},
	}
	for key, want := range wantOwned {
		got, err := s.OwnedBy(ctx, key[:1], key[2:], ids)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("owned in %s after the merge (-want +got):\n%s", key, diff)
		}
	}
	if in, ok := s.(state.Inspector); ok {
		pending, err := in.PendingWritesOf(ctx, "p", "a")
		if err != nil || len(pending) != 1 || pending[0].CRMID != "S" {
			t.Errorf("pending writes after the merge = %+v, %v; want the phone, under S", pending, err)
		}
	}
	if err := s.MergeRecords(ctx, "a", "contacts", "", []string{"M1"}); err == nil {
		t.Error("a merge without a survivor succeeded")
	}
}
