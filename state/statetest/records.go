package statetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/leadsync/leadsync/state"
)

func testRecords(t *testing.T, s state.Store, _ *Clock) {
	ctx := t.Context()
	full := state.RecordState{
		Pipeline: "p", CRMID: "1", Status: state.StatusParked, Class: "invalid",
		Reason: "jobtitle: too long", Attempts: 3,
		NextAttempt:    Epoch.Add(time.Hour + 1234*time.Microsecond),
		SeenModifiedAt: Epoch.Add(-time.Hour), IdentityKey: "id:1",
		UpdatedAt: Epoch.Add(time.Second),
	}
	bare := state.RecordState{CRMID: "2", Status: state.StatusDone} // pipeline and UpdatedAt defaulted
	other := state.RecordState{Pipeline: "q", CRMID: "1", Status: state.StatusSkipped, UpdatedAt: Epoch}
	for _, pc := range []state.PageCommit{
		{Pipeline: "p", Records: []state.RecordState{full, bare}},
		{Pipeline: "q", Records: []state.RecordState{other}},
	} {
		if err := s.CommitPage(ctx, pc); err != nil {
			t.Fatalf("CommitPage(%s): %v", pc.Pipeline, err)
		}
	}
	wantFull := full
	wantFull.NextAttempt = ms(full.NextAttempt)
	wantBare := bare
	wantBare.Pipeline, wantBare.UpdatedAt = "p", Epoch // the clock's time

	tests := []struct {
		pipeline string
		ids      []string
		want     map[string]state.RecordState
	}{
		{"p", []string{"1", "2", "3"}, map[string]state.RecordState{"1": wantFull, "2": wantBare}},
		{"q", []string{"1", "2"}, map[string]state.RecordState{"1": other}},
		{"p", nil, map[string]state.RecordState{}},
		{"r", []string{"1"}, map[string]state.RecordState{}},
	}
	for _, tt := range tests {
		got, err := s.Records(ctx, tt.pipeline, tt.ids)
		if err != nil {
			t.Fatalf("Records(%s, %v): %v", tt.pipeline, tt.ids, err)
		}
		if diff := cmp.Diff(tt.want, got, equate); diff != "" {
			t.Errorf("Records(%s, %v) (-want +got):\n%s", tt.pipeline, tt.ids, diff)
		}
	}

	// A later page replaces the state, including clearing the retry time.
	done := state.RecordState{Pipeline: "p", CRMID: "1", Status: state.StatusDone, Attempts: 4,
		IdentityKey: "id:1", UpdatedAt: Epoch.Add(time.Minute)}
	if err := s.CommitPage(ctx, state.PageCommit{Pipeline: "p", Records: []state.RecordState{done}}); err != nil {
		t.Fatalf("CommitPage: %v", err)
	}
	got, err := s.Records(ctx, "p", []string{"1"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]state.RecordState{"1": done}, got, equate); diff != "" {
		t.Errorf("after upsert (-want +got):\n%s", diff)
	}
}

// testRecordsManyIDs asks for more ids than one SQL statement may bind.
func testRecordsManyIDs(t *testing.T, s state.Store, _ *Clock) {
	ctx := t.Context()
	const n = 2400
	var ids []string
	for i := range n {
		ids = append(ids, fmt.Sprint(i))
	}
	for start := 0; start < n; start += 200 { // pages as the connector commits them
		var recs []state.RecordState
		for _, id := range ids[start : start+200] {
			if id[len(id)-1] != '7' { // leave some ids unknown
				recs = append(recs, state.RecordState{CRMID: id, Status: state.StatusDone, UpdatedAt: Epoch})
			}
		}
		if err := s.CommitPage(ctx, state.PageCommit{Pipeline: "p", Records: recs}); err != nil {
			t.Fatalf("CommitPage: %v", err)
		}
	}
	got, err := s.Records(ctx, "p", append(ids, "x", "y"))
	if err != nil {
		t.Fatalf("Records: %v", err)
	}
	if want := n - n/10; len(got) != want {
		t.Errorf("Records returned %d states, want %d", len(got), want)
	}
	for _, id := range []string{"0", "1999", "2398"} {
		if got[id].CRMID != id || got[id].Status != state.StatusDone {
			t.Errorf("Records[%s] = %+v", id, got[id])
		}
	}
	if _, ok := got["2397"]; ok {
		t.Error("Records returned id 2397, which was never committed")
	}
}

// testCommitPageAtomic makes the second record of a page fail and checks that
// neither the first record, the ledger row nor the cursor was kept.
func testCommitPageAtomic(t *testing.T, s state.Store, _ *Clock) {
	ctx := t.Context()
	if err := s.CommitPage(ctx, state.PageCommit{Pipeline: "p", Cursor: new("before")}); err != nil {
		t.Fatal(err)
	}
	bad := state.PageCommit{
		Pipeline: "p",
		Records: []state.RecordState{
			{CRMID: "1", Status: state.StatusDone},
			{Pipeline: "other", CRMID: "2", Status: state.StatusDone}, // wrong pipeline
		},
		Ledger: []state.LedgerEntry{{RunID: "r", CRMObject: "contacts", CRMID: "1", Field: "f", NewValue: "v"}},
		Cursor: new("after"),
	}
	if err := s.CommitPage(ctx, bad); err == nil {
		t.Fatal("CommitPage with a record of another pipeline: want an error, got nil")
	}
	if cur, err := s.Cursor(ctx, "p"); err != nil || cur != "before" {
		t.Errorf("Cursor = %q, %v; want the old cursor %q", cur, err, "before")
	}
	if got, err := s.Records(ctx, "p", []string{"1", "2"}); err != nil || len(got) != 0 {
		t.Errorf("Records = %v, %v; want none", got, err)
	}
	if got, err := s.Owned(ctx, "contacts", "1"); err != nil || len(got) != 0 {
		t.Errorf("Owned = %v, %v; want none", got, err)
	}
}

func testOwned(t *testing.T, s state.Store, _ *Clock) {
	ctx := t.Context()
	at := func(sec int) time.Time { return Epoch.Add(time.Duration(sec) * time.Second) }
	row := func(obj, id, field, value string, when time.Time) state.LedgerEntry {
		return state.LedgerEntry{RunID: "r", CRMObject: obj, CRMID: id, Field: field,
			OldValue: "old " + value, NewValue: value, SourcePath: "contact.x", LushaID: "L1", WrittenAt: when}
	}
	pages := [][]state.LedgerEntry{
		{
			row("contacts", "1", "title", "CTO", at(1)),
			row("contacts", "1", "title", "CEO", at(2)), // later time wins
			row("contacts", "1", "phone", "+1", at(5)),
			row("contacts", "1", "phone", "+2", at(5)), // same time: later insert wins
			row("contacts", "1", "industry", "new", at(9)),
			row("leads", "1", "title", "other object", at(9)),
			row("contacts", "2", "title", "other record", at(9)),
		},
		{
			row("contacts", "1", "industry", "older, committed later", at(3)),
			row("contacts", "1", "city", "", at(4)), // leadsync wrote an empty value
		},
	}
	for _, l := range pages {
		if err := s.CommitPage(ctx, state.PageCommit{Pipeline: "p", Ledger: l}); err != nil {
			t.Fatalf("CommitPage: %v", err)
		}
	}
	tests := []struct {
		obj, id string
		want    map[string]string
	}{
		{"contacts", "1", map[string]string{"title": "CEO", "phone": "+2", "industry": "new", "city": ""}},
		{"leads", "1", map[string]string{"title": "other object"}},
		{"contacts", "2", map[string]string{"title": "other record"}},
		{"contacts", "3", map[string]string{}},
	}
	for _, tt := range tests {
		got, err := s.Owned(ctx, tt.obj, tt.id)
		if err != nil {
			t.Fatalf("Owned(%s, %s): %v", tt.obj, tt.id, err)
		}
		if diff := cmp.Diff(tt.want, got, equate); diff != "" {
			t.Errorf("Owned(%s, %s) (-want +got):\n%s", tt.obj, tt.id, diff)
		}
	}
}

// testDropRecords: Drop deletes the record states of records the CRM no longer has,
// in the page's pipeline and account only, except one whose write has an unknown
// outcome (its read-back decides); the ledger keeps its rows.
func testDropRecords(t *testing.T, s state.Store, _ *Clock) {
	ctx := t.Context()
	parked := state.RecordState{CRMID: "gone", Status: state.StatusParked, Class: "invalid"}
	unknown := state.RecordState{CRMID: "maybe", Status: state.StatusUnknown}
	if err := s.CommitPage(ctx, state.PageCommit{Pipeline: "p", Account: "a",
		Records: []state.RecordState{parked, unknown},
		Ledger:  []state.LedgerEntry{{RunID: "r", CRMObject: "contact", CRMID: "gone", Field: "title", NewValue: "v"}}}); err != nil {
		t.Fatal(err)
	}
	if err := s.CommitPage(ctx, state.PageCommit{Pipeline: "p", Account: "b",
		Records: []state.RecordState{parked}}); err != nil {
		t.Fatal(err)
	}
	if err := s.CommitPage(ctx, state.PageCommit{Pipeline: "p", Account: "a", Drop: []string{"gone", "maybe"}}); err != nil {
		t.Fatalf("CommitPage with Drop: %v", err)
	}
	got, err := s.RecordsOf(ctx, "p", "a", []string{"gone", "maybe"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := got["gone"]; ok {
		t.Error("the dropped parked record is still stored")
	}
	if got["maybe"].Status != state.StatusUnknown {
		t.Errorf("the record of unknown outcome: %+v, want it kept", got["maybe"])
	}
	if other, err := s.RecordsOf(ctx, "p", "b", []string{"gone"}); err != nil || other["gone"].Status != state.StatusParked {
		t.Errorf("another account's record: %+v, %v; want it kept", other, err)
	}
	owned, err := s.OwnedBy(ctx, "a", "contact", []string{"gone"})
	if err != nil || owned["gone"]["title"] != "v" {
		t.Errorf("the ledger of the dropped record: %v, %v; want its row kept", owned, err)
	}
}
