// Command gen writes a golden state file with the state package of the leadsync
// commit it is built in: make.sh copies it next to that commit's state package
// (git archive) and builds it with the tag of the schema version, so that each
// file is made through the API of the release that introduced its schema.
//
// Usage: go run -tags vN ./gen OUT.db
package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"github.com/leadsync/leadsync/state"
)

// t0 is the golden files' clock; the tests read them at t0 plus an hour.
var t0 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }

// extras are filled by the files of later schema versions.
var extras []func(ctx context.Context, s *state.SQLite) error

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gen OUT.db")
		os.Exit(2)
	}
	if err := run(context.Background(), os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out string) error {
	s, err := state.Open(ctx, out, state.WithClock(func() time.Time { return t0 }))
	if err != nil {
		return err
	}
	if err := fillCommon(ctx, s); err != nil {
		s.Close()
		return err
	}
	if err := fill(ctx, s); err != nil {
		s.Close()
		return err
	}
	for _, x := range extras {
		if err := x(ctx, s); err != nil {
			s.Close()
			return err
		}
	}
	if err := s.Close(); err != nil {
		return err
	}
	// Small files: give the free pages back.
	db, err := sql.Open("sqlite3", out)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, "VACUUM")
	return err
}

// fillCommon writes what every version's API writes alike: a finished run, a
// cached answer with its spend, a cached no_match and a suppression.
func fillCommon(ctx context.Context, s *state.SQLite) error {
	r := state.Run{RunID: "r1", Pipeline: "p", Status: "running", StartedAt: at(0)}
	if err := s.StartRun(ctx, r); err != nil {
		return err
	}
	r.Status, r.FinishedAt = "ok", at(time.Minute)
	r.Counts = state.RunCounts{RecordsRead: 3, RecordsEnriched: 1, RecordsWritten: 1,
		RecordsFailed: 1, FieldsWritten: 1, CreditsSpent: 1}
	if err := s.FinishRun(ctx, r); err != nil {
		return err
	}
	if err := s.SaveEnrichments(ctx,
		state.Spend{Pipeline: "p", RunID: "r1", Call: "person", Credits: 1, At: at(time.Second)},
		[]state.Enrichment{
			{Key: "key-1", Outcome: state.OutcomeMatched, LushaID: "L1",
				Answer: []byte(`{"contact":{"jobTitle":{"title":"CTO"}}}`), Revealed: []string{"phones"},
				Credits: 1, FetchedAt: at(time.Second), ExpiresAt: at(90 * 24 * time.Hour)},
			{Key: "key-2", Outcome: state.OutcomeNoMatch, FetchedAt: at(time.Second),
				ExpiresAt: at(30 * 24 * time.Hour)},
		}); err != nil {
		return err
	}
	return s.Suppress(ctx, "sup-1", "restricted", at(2*time.Second))
}

// records are the outcomes of the page every version commits: a record written,
// one parked for a retry, one whose write was sent and not yet answered.
func records() []state.RecordState {
	return []state.RecordState{
		{Pipeline: "p", CRMID: "1", Status: state.StatusDone, SeenModifiedAt: at(5 * time.Second),
			IdentityKey: "key-1", UpdatedAt: at(3 * time.Second)},
		{Pipeline: "p", CRMID: "2", Status: state.StatusParked, Class: "rate_limited", Reason: "HTTP 429",
			Attempts: 2, NextAttempt: at(time.Hour), UpdatedAt: at(3 * time.Second)},
		{Pipeline: "p", CRMID: "3", Status: state.StatusPending, IdentityKey: "key-3", UpdatedAt: at(3 * time.Second)},
	}
}

// titleWrite is the ledger row of record 1's written title.
func titleWrite() state.LedgerEntry {
	return state.LedgerEntry{RunID: "r1", Pipeline: "p", CRMObject: "contacts", CRMID: "1", Field: "title",
		OldValue: "", NewValue: "CTO", SourcePath: "contact.jobTitle.title", LushaID: "L1", WrittenAt: at(3 * time.Second)}
}
