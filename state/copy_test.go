//go:build cgo

package state_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/leadsync/leadsync/state"
	"github.com/leadsync/leadsync/state/pgtest"
	"github.com/leadsync/leadsync/state/statetest"
)

// fillForCopy writes, through the API, one of everything the state keeps.
func fillForCopy(t *testing.T, s *state.SQLite, t0 time.Time) {
	t.Helper()
	ctx := t.Context()
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for i, id := range []string{"r1", "r2", "r3"} { // r2 and r3 start in the same millisecond
		must(s.StartRun(ctx, state.Run{RunID: id, Pipeline: "p", Status: "running", StartedAt: at(time.Duration(min(i, 1)) * time.Minute), Runner: "host-" + id}))
	}
	must(s.FinishRun(ctx, state.Run{RunID: "r1", Pipeline: "p", Status: "ok", FinishedAt: at(time.Minute),
		Counts: state.RunCounts{RecordsRead: 4, CreditsSpent: 2}, FieldActions: state.FieldActions{"title": {"write": 2, "keep_filled": 1}}}))
	l, err := s.Acquire(ctx, "p", "host-a", time.Hour)
	must(err)
	_, err = s.ClaimIdentities(ctx, "host-a", []string{"key-9"}, time.Hour)
	must(err)
	must(s.SaveEnrichments(ctx, state.Spend{Pipeline: "p", RunID: "r1", Call: "contacts/enrich", Credits: 2, At: at(time.Second)},
		[]state.Enrichment{
			{Key: "key-1", Outcome: state.OutcomeMatched, LushaID: "L1", Answer: []byte(`{"a":1}`), Revealed: []string{"phones"},
				Credits: 2, FetchedAt: at(time.Second), ExpiresAt: at(90 * 24 * time.Hour)},
			{Key: "key-2", Outcome: state.OutcomeNoMatch, FetchedAt: at(time.Second), ExpiresAt: at(24 * time.Hour)},
		}))
	cursor := "c-1"
	must(s.CommitPage(ctx, state.PageCommit{Pipeline: "p", Account: "acct", Fence: l.Fence(), Cursor: &cursor,
		Records: []state.RecordState{
			{CRMID: "1", Status: state.StatusDone, IdentityKey: "key-1", SeenModifiedAt: at(5 * time.Second), SeenDigest: "d1", UpdatedAt: at(3 * time.Second)},
			{CRMID: "2", Status: state.StatusParked, Class: "rate_limited", Reason: "429", Attempts: 2, NextAttempt: at(time.Hour), UpdatedAt: at(3 * time.Second)},
			{CRMID: "3", Status: state.StatusUnknown, Class: "timeout", UpdatedAt: at(3 * time.Second)},
		},
		Ledger: []state.LedgerEntry{
			{RunID: "r1", CRMObject: "contacts", CRMID: "1", Field: "title", OldValue: "", NewValue: "CTO", SourcePath: "contact.title", LushaID: "L1", WrittenAt: at(4 * time.Second)},
			{RunID: "r1", CRMObject: "contacts", CRMID: "3", Field: "phone", NewValue: "+1555", WrittenAt: at(4 * time.Second), Pending: true},
		}}))
	must(s.Suppress(ctx, "sup-1", "opt_out", at(time.Second)))
	must(s.SaveRefreshToken(ctx, "sf:acct", "rt-1"))
	for _, id := range []string{"pay-1", "pay-2"} {
		_, err := s.Receive(ctx, state.Delivery{PayloadID: id, Kind: state.InboxSignal, Body: []byte(`{"id":"` + id + `"}`),
			ReceivedAt: at(5 * time.Second)})
		must(err)
	}
	must(s.Settle(ctx, 1, state.InboxRecorded, at(6*time.Second)))
}

// TestCopy copies a filled SQLite state into PostgreSQL and reads it back through
// both: every read answers the same.
func TestCopy(t *testing.T) {
	ctx := t.Context()
	t0 := statetest.Epoch
	now := func() time.Time { return t0.Add(time.Hour) }
	src := openStore(t, filepath.Join(t.TempDir(), "state.db"), state.WithClock(now))
	fillForCopy(t, src, t0)
	dst := newPostgres(t, state.WithClock(now))

	rep, err := state.Copy(ctx, src, dst)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"runs": 3, "run_field_actions": 2, "cursors": 1, "records": 3, "enrichments": 2,
		"suppressions": 1, "spend": 1, "ledger": 2, "oauth_tokens": 1, "inbox": 2}
	if diff := cmp.Diff(want, rep.Rows); diff != "" {
		t.Errorf("copy report (-want +got):\n%s", diff)
	}

	same := func(what string, read func(state.Backend) (any, error)) {
		t.Helper()
		a, errA := read(src)
		b, errB := read(dst)
		if errA != nil || errB != nil {
			t.Fatalf("%s: %v, %v", what, errA, errB)
		}
		if diff := cmp.Diff(a, b); diff != "" {
			t.Errorf("%s (-sqlite +postgres):\n%s", what, diff)
		}
	}
	same("Cursor", func(s state.Backend) (any, error) { return s.Cursor(ctx, "p") })
	same("Runs", func(s state.Backend) (any, error) { return s.Runs(ctx, "", 0) })
	same("FieldActionsOf", func(s state.Backend) (any, error) { return s.FieldActionsOf(ctx, "p", t0) })
	for _, key := range []string{"key-1", "key-2", "key-3"} {
		same("Enrichment "+key, func(s state.Backend) (any, error) { return s.Enrichment(ctx, key, now()) })
	}
	same("RecordsOf", func(s state.Backend) (any, error) { return s.RecordsOf(ctx, "p", "acct", []string{"1", "2", "3"}) })
	same("OwnedBy", func(s state.Backend) (any, error) { return s.OwnedBy(ctx, "acct", "contacts", []string{"1", "3"}) })
	same("Suppressed", func(s state.Backend) (any, error) { return s.Suppressed(ctx, "sup-1") })
	same("Parked", func(s state.Backend) (any, error) { return s.Parked(ctx, "p", 0) })
	same("PendingWritesOf", func(s state.Backend) (any, error) { return s.PendingWritesOf(ctx, "p", "acct") })
	same("Ledger", func(s state.Backend) (any, error) { return s.Ledger(ctx, "r1", 0) })
	same("CreditsSpent", func(s state.Backend) (any, error) { return s.CreditsSpent(ctx, "", t0) })
	same("CreditsByDay", func(s state.Backend) (any, error) { return s.CreditsByDay(ctx, "", t0) })
	same("RefreshToken", func(s state.Backend) (any, error) { return s.RefreshToken(ctx, "sf:acct") })
	same("Unprocessed", func(s state.Backend) (any, error) {
		ds, err := s.Unprocessed(ctx, 0)
		for i := range ds {
			ds[i].Seq = 0 // each backend numbers its own
		}
		return ds, err
	})
	same("InboxCounts", func(s state.Backend) (any, error) { return s.InboxCounts(ctx) })

	// Leases and claims stay behind; new rows follow the copied ones.
	if holders, err := dst.ClaimHolders(ctx, []string{"key-9"}); err != nil || len(holders) != 0 {
		t.Errorf("claims in the copy = %v, %v; want none", holders, err)
	}
	if _, err := dst.Acquire(ctx, "p", "host-b", time.Minute); err != nil {
		t.Errorf("Acquire in the copy: %v; want the lease free", err)
	}
	if err := dst.CommitPage(ctx, state.PageCommit{Pipeline: "p", Account: "acct", Ledger: []state.LedgerEntry{
		{RunID: "r2", CRMObject: "contacts", CRMID: "1", Field: "title", NewValue: "CEO", WrittenAt: t0.Add(4 * time.Second)}}}); err != nil {
		t.Fatalf("CommitPage after the copy: %v", err)
	}
	if owned, err := dst.OwnedBy(ctx, "acct", "contacts", []string{"1"}); err != nil || owned["1"]["title"] != "CEO" {
		t.Errorf("OwnedBy after a new row = %v, %v; want the new row (same time, later id) to win", owned, err)
	}
	if err := dst.SaveEnrichments(ctx, state.Spend{Pipeline: "p", Call: "c", Credits: 1, At: t0}, nil); err != nil {
		t.Fatalf("SaveEnrichments after the copy: %v", err)
	}

	// A second copy finds the state there, says what it found and writes nothing.
	_, err = state.Copy(ctx, src, dst)
	if err == nil || !strings.Contains(err.Error(), "already holds state") || !strings.Contains(err.Error(), "runs: 3 rows") {
		t.Errorf("second Copy = %v; want a refusal naming the runs found", err)
	}
	if n, err := dst.CreditsSpent(ctx, "", t0); err != nil || n != 3 {
		t.Errorf("credits spent after the refused copy = %d, %v; want 3", n, err)
	}
}

// TestCopyRefusesAnyState: even a lease alone makes the target not empty.
func TestCopyRefusesAnyState(t *testing.T) {
	src := openStore(t, filepath.Join(t.TempDir(), "state.db"))
	dst := newPostgres(t)
	if _, err := dst.Acquire(t.Context(), "p", "host", time.Minute); err != nil {
		t.Fatal(err)
	}
	_, err := state.Copy(t.Context(), src, dst)
	if err == nil || !strings.Contains(err.Error(), "leases: 1 rows") {
		t.Errorf("Copy = %v; want a refusal naming the lease", err)
	}
}

// TestSchemasAgree: both backends have the same tables with the same columns (the
// PostgreSQL runs table adds rowid, which SQLite has implicitly), so that the
// shared queries and Copy find on one what they find on the other.
func TestSchemasAgree(t *testing.T) {
	pgtest.URL(t)
	columns := func(b backend, q string) map[string][]string {
		out := map[string][]string{}
		err := b.rows(q, func(scan func(...any) error) error {
			var table, column string
			err := scan(&table, &column)
			out[table] = append(out[table], column)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, cols := range out {
			slices.Sort(cols)
		}
		return out
	}
	var sqlite, postgres map[string][]string
	eachBackend(t, func(t *testing.T, open opener) {
		b := open(t)
		if b.pg == nil {
			sqlite = columns(b, `SELECT m.name, p.name FROM sqlite_schema m, pragma_table_info(m.name) p
				WHERE m.type = 'table'`)
			return
		}
		postgres = columns(b, `SELECT table_name, column_name FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name <> 'leadsync_schema'
			AND NOT (table_name = 'runs' AND column_name = 'rowid')`)
	})
	if diff := cmp.Diff(sqlite, postgres); diff != "" {
		t.Errorf("tables and columns (-sqlite +postgres):\n%s", diff)
	}
}
