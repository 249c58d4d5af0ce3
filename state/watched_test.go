//go:build cgo

package state_test

import (
	"slices"
	"testing"
	"time"

	"github.com/leadsync/leadsync/state"
	"github.com/leadsync/leadsync/state/statetest"
)

func TestEnrichedBy(t *testing.T) { eachBackend(t, testEnrichedBy) }

// testEnrichedBy: the people and companies a pipeline wrote, once each; a record
// dropped since is no longer held, a forgotten person and another pipeline's
// writes are not listed, nor a write still pending.
func testEnrichedBy(t *testing.T, open opener) {
	ctx := t.Context()
	s := open(t)
	at := statetest.Epoch
	row := func(crmObject, crmID, field, lushaID string) state.LedgerEntry {
		return state.LedgerEntry{RunID: "r1", CRMObject: crmObject, CRMID: crmID, Field: field, NewValue: "v",
			LushaID: lushaID, WrittenAt: at}
	}
	done := func(ids ...string) []state.RecordState {
		var out []state.RecordState
		for _, id := range ids {
			out = append(out, state.RecordState{CRMID: id, Status: state.StatusDone, UpdatedAt: at})
		}
		return out
	}
	commit := func(c state.PageCommit) {
		t.Helper()
		if err := s.CommitPage(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	pending := row("contacts", "4", "title", "P4")
	pending.Pending = true
	commit(state.PageCommit{Pipeline: "p", Account: "a", Records: done("1", "2", "3", "4", "5"), Ledger: []state.LedgerEntry{
		row("contacts", "1", "title", "P1"), row("contacts", "1", "phone", "P1"),
		row("companies", "c1", "industry", "C1"), // the person's company record
		row("contacts", "2", "title", "P2"),
		row("contacts", "3", "title", "P3"),
		pending,
		row("contacts", "5", "title", ""), // written from no Lusha answer
	}})
	commit(state.PageCommit{Pipeline: "q", Account: "a", Records: done("9"), Ledger: []state.LedgerEntry{
		row("contacts", "9", "title", "P9")}})
	commit(state.PageCommit{Pipeline: "p", Account: "a", Drop: []string{"2"}})
	if _, err := s.ForgetPerson(ctx, state.Forget{LushaIDs: []string{"P3"}, At: at.Add(time.Second)}); err != nil {
		t.Fatal(err)
	}
	got, err := s.EnrichedBy(ctx, "p")
	if err != nil {
		t.Fatal(err)
	}
	want := []state.Enriched{
		{Object: "companies", LushaID: "C1", Held: false},
		{Object: "contacts", LushaID: "P1", Held: true},
		{Object: "contacts", LushaID: "P2", Held: false},
	}
	if !slices.Equal(got, want) {
		t.Errorf("EnrichedBy(p) = %+v, want %+v", got, want)
	}
}
