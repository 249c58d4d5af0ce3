//go:build cgo

package state_test

import (
	"errors"
	"testing"

	"github.com/leadsync/leadsync/state"
	"github.com/leadsync/leadsync/state/statetest"
)

var _ state.Inspector = (*state.SQLite)(nil)

func TestRunAndLedgerViews(t *testing.T) { eachBackend(t, testRunAndLedgerViews) }

func testRunAndLedgerViews(t *testing.T, open opener) {
	ctx := t.Context()
	clock := statetest.NewClock()
	s := open(t, state.WithClock(clock.Now))
	run := state.Run{RunID: "r1", Pipeline: "p", Status: "running", StartedAt: statetest.Epoch}
	if err := s.StartRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Run(ctx, "nope"); !errors.Is(err, state.ErrNoRun) {
		t.Errorf("unknown run: %v, want ErrNoRun", err)
	}
	got, err := s.Run(ctx, "r1")
	if err != nil || got.Pipeline != "p" || got.Status != "running" {
		t.Fatalf("run: %+v %v", got, err)
	}
	led := func(run, id, field, v string) state.LedgerEntry {
		return state.LedgerEntry{RunID: run, Pipeline: "p", CRMObject: "contacts", CRMID: id, Field: field,
			NewValue: v, SourcePath: "contact.x", WrittenAt: statetest.Epoch}
	}
	err = s.CommitPage(ctx, state.PageCommit{Pipeline: "p", Ledger: []state.LedgerEntry{
		led("r1", "1", "a", "x"), led("r2", "1", "b", "y"), led("r1", "2", "c", "z")},
		Records: []state.RecordState{{CRMID: "9", Status: state.StatusParked, Class: "invalid"}}})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := s.Ledger(ctx, "r1", 0)
	if err != nil || len(rows) != 2 || rows[0].Field != "a" || rows[1].Field != "c" || rows[1].NewValue != "z" {
		t.Fatalf("ledger of r1: %+v %v", rows, err)
	}
	if rows, _ := s.Ledger(ctx, "r1", 1); len(rows) != 1 {
		t.Errorf("limit 1 gave %d rows", len(rows))
	}
	all, err := s.Parked(ctx, "", 0)
	if err != nil || len(all) != 1 || all[0].CRMID != "9" {
		t.Errorf("parked of all pipelines: %+v %v", all, err)
	}
}

// TestWriteAheadLedger: pending rows are listed until a commit settles them, and the
// run page never shows them.
func TestWriteAheadLedger(t *testing.T) { eachBackend(t, testWriteAheadLedger) }

func testWriteAheadLedger(t *testing.T, open opener) {
	ctx := t.Context()
	s := open(t)
	row := func(id, v string, pending bool) state.LedgerEntry {
		return state.LedgerEntry{RunID: "r", Pipeline: "p", CRMObject: "contacts", CRMID: id, Field: "f",
			NewValue: v, WrittenAt: statetest.Epoch, Pending: pending}
	}
	if err := s.CommitPage(ctx, state.PageCommit{Pipeline: "p",
		Ledger: []state.LedgerEntry{row("1", "a", true), row("2", "b", true)}}); err != nil {
		t.Fatal(err)
	}
	pending, err := s.PendingWrites(ctx, "p")
	if err != nil || len(pending) != 2 || !pending[0].Pending {
		t.Fatalf("pending: %+v %v", pending, err)
	}
	if rows, _ := s.Ledger(ctx, "r", 0); len(rows) != 0 {
		t.Errorf("the run's ledger shows %d pending rows", len(rows))
	}
	if err := s.CommitPage(ctx, state.PageCommit{Pipeline: "p", Settle: []string{"1"},
		Ledger: []state.LedgerEntry{row("1", "a", false)}}); err != nil {
		t.Fatal(err)
	}
	pending, _ = s.PendingWrites(ctx, "p")
	if len(pending) != 1 || pending[0].CRMID != "2" {
		t.Errorf("after settling 1, pending: %+v", pending)
	}
	if rows, _ := s.Ledger(ctx, "r", 0); len(rows) != 1 || rows[0].CRMID != "1" || rows[0].Pending {
		t.Errorf("ledger after settling: %+v", rows)
	}
	if owned, _ := s.Owned(ctx, "contacts", "1"); owned["f"] != "a" {
		t.Errorf("owned after settling: %v", owned)
	}
}
