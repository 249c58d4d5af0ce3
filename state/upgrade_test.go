//go:build cgo

package state_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/leadsync/leadsync/state"
)

// The golden files state/testdata/vN.db were made by the commit that introduced
// migration N, through its own API (state/testdata/make.sh); their clock was
// goldenT0, and they are read an hour later, before any cached answer or lease
// in them expires.
var goldenT0 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func goldenAt(d time.Duration) time.Time { return goldenT0.Add(d) }

// copyGolden copies testdata/v<n>.db into a fresh temporary directory.
func copyGolden(t *testing.T, n int) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", fmt.Sprintf("v%d.db", n)))
	if err != nil {
		t.Fatalf("golden file of schema version %d: %v (make it with state/testdata/make.sh %d once its migration is committed)", n, err, n)
	}
	path := filepath.Join(t.TempDir(), "state.db")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestGoldenFilesCoverEverySchema keeps a golden file for every schema version
// that has a migration.
func TestGoldenFilesCoverEverySchema(t *testing.T) {
	for n := 1; n <= state.SchemaVersion(); n++ {
		path := copyGolden(t, n)
		if got := queryInt(t, rawDB(t, path), "PRAGMA user_version"); got != n {
			t.Errorf("testdata/v%d.db has user_version %d", n, got)
		}
	}
}

// TestUpgradeGoldenFiles opens each golden file with today's code: it migrates to
// the current schema, and what the old release stored is still there and usable.
func TestUpgradeGoldenFiles(t *testing.T) {
	for n := 1; n <= state.SchemaVersion(); n++ {
		t.Run(fmt.Sprintf("v%d", n), func(t *testing.T) {
			path := copyGolden(t, n)
			checkUpgraded(t, path, n)
		})
	}
}

// checkUpgraded opens the migrated copy of golden file n at path and checks the
// rows the generator wrote, then that today's code can write to it.
func checkUpgraded(t *testing.T, path string, n int) {
	t.Helper()
	ctx := t.Context()
	now := goldenAt(time.Hour)
	s := openStore(t, path, state.WithClock(func() time.Time { return now }))
	db := rawDB(t, path)
	if got := queryInt(t, db, "PRAGMA user_version"); got != state.SchemaVersion() {
		t.Errorf("user_version = %d, want %d", got, state.SchemaVersion())
	}
	if got := queryInt(t, db, "PRAGMA application_id"); got != state.ApplicationID {
		t.Errorf("application_id = %#x, want %#x", got, state.ApplicationID)
	}
	var integrity string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&integrity); err != nil || integrity != "ok" {
		t.Errorf("integrity_check = %q, %v", integrity, err)
	}
	if rows := queryInt(t, db, "SELECT count(*) FROM pragma_foreign_key_check"); rows != 0 {
		t.Errorf("foreign_key_check: %d rows", rows)
	}

	// Files from before schema 5 have no CRM account: their rows have "".
	account := ""
	if n >= 5 {
		account = "acct-a"
	}
	if cur, err := s.Cursor(ctx, "p"); err != nil || cur != "c-1" {
		t.Errorf("cursor = %q, %v; want c-1", cur, err)
	}

	// Cache.
	e, err := s.Enrichment(ctx, "key-1", now)
	if err != nil || e == nil {
		t.Fatalf("enrichment key-1 = %v, %v", e, err)
	}
	wantE := state.Enrichment{Key: "key-1", Outcome: state.OutcomeMatched, LushaID: "L1",
		Answer: []byte(`{"contact":{"jobTitle":{"title":"CTO"}}}`), Revealed: []string{"phones"}, Credits: 1,
		FetchedAt: goldenAt(time.Second), ExpiresAt: goldenAt(90 * 24 * time.Hour)}
	if diff := cmp.Diff(wantE, *e); diff != "" {
		t.Errorf("enrichment key-1 (-want +got):\n%s", diff)
	}
	if e, err := s.Enrichment(ctx, "key-2", now); err != nil || e == nil || e.Outcome != state.OutcomeNoMatch {
		t.Errorf("enrichment key-2 = %+v, %v; want the no_match", e, err)
	}
	if spent, err := s.CreditsSpent(ctx, "p", goldenT0.Add(-time.Hour)); err != nil || spent != 1 {
		t.Errorf("credits spent = %d, %v; want 1", spent, err)
	}

	// Suppressions.
	if sup, err := s.Suppressed(ctx, "sup-1"); err != nil || !sup {
		t.Errorf("Suppressed(sup-1) = %v, %v; want true", sup, err)
	}
	if sup, err := s.Suppressed(ctx, "key-1"); err != nil || sup {
		t.Errorf("Suppressed(key-1) = %v, %v; want false", sup, err)
	}

	// Runs.
	runs, err := s.Runs(ctx, "p", 10)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(runs, func(r state.Run) bool { return r.RunID == "r1" })
	if i < 0 {
		t.Fatalf("runs = %+v; want r1", runs)
	}
	wantCounts := state.RunCounts{RecordsRead: 3, RecordsEnriched: 1, RecordsWritten: 1,
		RecordsFailed: 1, FieldsWritten: 1, CreditsSpent: 1}
	if r := runs[i]; r.Status != "ok" || !r.FinishedAt.Equal(goldenAt(time.Minute)) || r.Counts != wantCounts {
		t.Errorf("run r1 = %+v", r)
	}

	// Records.
	got, err := s.RecordsOf(ctx, "p", account, []string{"1", "2", "3"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]state.RecordState{
		"1": {Pipeline: "p", Account: account, CRMID: "1", Status: state.StatusDone,
			SeenModifiedAt: goldenAt(5 * time.Second), IdentityKey: "key-1", UpdatedAt: goldenAt(3 * time.Second)},
		"2": {Pipeline: "p", Account: account, CRMID: "2", Status: state.StatusParked, Class: "rate_limited",
			Reason: "HTTP 429", Attempts: 2, NextAttempt: goldenAt(time.Hour), UpdatedAt: goldenAt(3 * time.Second)},
		"3": {Pipeline: "p", Account: account, CRMID: "3", Status: state.StatusPending, IdentityKey: "key-3",
			UpdatedAt: goldenAt(3 * time.Second)},
	}
	if n >= 5 { // the release that introduced 'unknown' left record 3 so
		r := want["3"]
		r.Status, r.Class, r.Reason = state.StatusUnknown, "timeout", "write timed out"
		want["3"] = r
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}

	// Ledger: ownership and the write-ahead rows (from schema 3 on).
	if owned, err := s.OwnedBy(ctx, account, "contacts", []string{"1"}); err != nil || owned["1"]["title"] != "CTO" {
		t.Errorf("OwnedBy = %v, %v; want record 1's title CTO", owned, err)
	}
	pending, err := s.PendingWritesOf(ctx, "p", account)
	if err != nil {
		t.Fatal(err)
	}
	if n < 3 {
		if len(pending) != 0 {
			t.Errorf("pending writes = %+v; want none", pending)
		}
	} else if len(pending) != 1 || pending[0].CRMID != "3" || pending[0].Field != "phone" ||
		pending[0].NewValue != "+15550100" || !pending[0].Pending {
		t.Errorf("pending writes = %+v; want record 3's phone", pending)
	}
	ledger, err := s.Ledger(ctx, "r1", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(ledger) != 1 || ledger[0].NewValue != "CTO" { // the run page leaves pending rows out
		t.Errorf("ledger of r1 = %+v; want the title", ledger)
	}

	// The lease the old release took is still held by it.
	if _, err := s.Acquire(ctx, "p", "host-b", time.Minute); !errors.Is(err, state.ErrLeaseHeld) {
		t.Errorf("Acquire by host-b = %v; want the lease of host-a held", err)
	}

	if n >= 6 {
		if holders, err := s.ClaimHolders(ctx, []string{"key-4"}); err != nil || holders["key-4"] != "host-a" {
			t.Errorf("claim holders = %v, %v; want key-4 by host-a", holders, err)
		}
	}
	if n >= 8 {
		if tok, err := s.RefreshToken(ctx, "sf:acct-a"); err != nil || tok != "rt-1" {
			t.Errorf("refresh token = %q, %v; want rt-1", tok, err)
		}
	}
	if n >= 9 {
		fa, err := s.FieldActionsOf(ctx, "p", goldenT0.Add(-time.Hour))
		if err != nil || fa["title"]["write"] != 2 || fa["title"]["keep_filled"] != 1 {
			t.Errorf("field actions = %v, %v", fa, err)
		}
	}
	if n >= 10 {
		if r, err := s.Run(ctx, "r3"); err != nil || r.Runner != "host-a" {
			t.Errorf("run r3 = %+v, %v; want runner host-a", r, err)
		}
	}
	if n >= 11 {
		if ds, err := s.Unprocessed(ctx, 0); err != nil || len(ds) != 1 || ds[0].PayloadID != "pay-2" {
			t.Errorf("unprocessed deliveries = %+v, %v; want pay-2", ds, err)
		}
	}

	// Today's code writes to the migrated file: rows from before accounts get
	// theirs, and a new page commits under the lease of the old holder.
	if n < 5 {
		if _, err := s.AssignAccount(ctx, "p", "acct-a"); err != nil {
			t.Fatal(err)
		}
		account = "acct-a"
	}
	l, err := s.Acquire(ctx, "p", "host-a", time.Minute)
	if err != nil {
		t.Fatalf("renewing the old lease: %v", err)
	}
	cursor := "c-2"
	if err := s.CommitPage(ctx, state.PageCommit{Pipeline: "p", Account: account, Fence: l.Fence(), Cursor: &cursor,
		Records: []state.RecordState{{Pipeline: "p", Account: account, CRMID: "4", Status: state.StatusDone, UpdatedAt: now}},
		Ledger: []state.LedgerEntry{{RunID: "r3", Pipeline: "p", Account: account, CRMObject: "contacts", CRMID: "4",
			Field: "title", NewValue: "CEO", WrittenAt: now}}}); err != nil {
		t.Fatalf("CommitPage on the migrated file: %v", err)
	}
	owned, err := s.OwnedBy(ctx, account, "contacts", []string{"1", "4"})
	if err != nil || owned["1"]["title"] != "CTO" || owned["4"]["title"] != "CEO" {
		t.Errorf("OwnedBy after the new commit = %v, %v", owned, err)
	}
}

// TestMigrateFileReportsVersions: `leadsync migrate` on a SQLite file says which
// schema the file had and has, and a second run finds nothing to do.
func TestMigrateFileReportsVersions(t *testing.T) {
	path := copyGolden(t, 3)
	from, to, err := state.MigrateFile(t.Context(), path)
	if err != nil || from != 3 || to != state.SchemaVersion() {
		t.Fatalf("MigrateFile = %d, %d, %v; want 3, %d", from, to, err, state.SchemaVersion())
	}
	if from, to, err = state.MigrateFile(t.Context(), path); err != nil || from != to {
		t.Fatalf("second MigrateFile = %d, %d, %v; want nothing to do", from, to, err)
	}
	fresh := filepath.Join(t.TempDir(), "new.db")
	if from, _, err = state.MigrateFile(t.Context(), fresh); err != nil || from != 0 {
		t.Fatalf("MigrateFile of a new file = %d, %v; want from 0", from, err)
	}
}
