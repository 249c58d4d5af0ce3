//go:build cgo

package state_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/leadsync/leadsync/state"
)

var pruneNow = time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)

var keep = state.Retention{KeepRuns: 2160 * time.Hour, KeepLedger: 720 * time.Hour}

type ledgerRow struct {
	account, id, field string
	age                time.Duration // before pruneNow
	pending            bool
	kept               bool // after Prune
}

func TestPruneLedgerKeepsWhatItMust(t *testing.T) { eachBackend(t, testPruneLedgerKeepsWhatItMust) }

func testPruneLedgerKeepsWhatItMust(t *testing.T, open opener) {
	old, older, young := 1000*time.Hour, 900*time.Hour, 10*time.Hour
	cases := []struct {
		name string
		rows []ledgerRow
	}{
		{"old row superseded by an old one goes, the latest stays", []ledgerRow{
			{"a", "1", "title", old, false, false}, {"a", "1", "title", older, false, true}}},
		{"a lone old row is the latest: it stays", []ledgerRow{{"a", "1", "title", old, false, true}}},
		{"young rows all stay", []ledgerRow{
			{"a", "1", "title", 100 * time.Hour, false, true}, {"a", "1", "title", young, false, true}}},
		{"old row superseded by a young one goes", []ledgerRow{
			{"a", "1", "title", old, false, false}, {"a", "1", "title", young, false, true}}},
		{"pending rows stay, old or not", []ledgerRow{
			{"a", "1", "title", old, true, true}, {"a", "1", "title", older, false, true}}},
		{"the latest settled row stays behind a later pending one", []ledgerRow{
			{"a", "1", "title", old, false, false}, {"a", "1", "title", older, false, true},
			{"a", "1", "title", 800 * time.Hour, true, true}}},
		{"fields are apart", []ledgerRow{
			{"a", "1", "title", old, false, true}, {"a", "1", "phone", older, false, true}}},
		{"records are apart", []ledgerRow{
			{"a", "1", "title", old, false, true}, {"a", "2", "title", older, false, true}}},
		{"accounts are apart", []ledgerRow{
			{"b", "1", "title", old, false, true}, {"a", "1", "title", older, false, true}}},
		{"same millisecond: insertion order decides", []ledgerRow{
			{"a", "1", "title", old, false, false}, {"a", "1", "title", old, false, true}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			s := open(t, state.WithClock(func() time.Time { return pruneNow }))
			for i, r := range tc.rows {
				err := s.CommitPage(ctx, state.PageCommit{Pipeline: "p", Account: r.account, Ledger: []state.LedgerEntry{{
					RunID: "r", CRMObject: "contact", CRMID: r.id, Field: r.field, NewValue: fmt.Sprint("v", i),
					WrittenAt: pruneNow.Add(-r.age), Pending: r.pending}}})
				if err != nil {
					t.Fatal(err)
				}
			}
			ownedBefore := ownership(t, s, tc.rows)
			rep, err := s.Prune(ctx, keep, pruneNow)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for i, r := range tc.rows {
				if r.kept {
					want = append(want, fmt.Sprint("v", i))
				}
			}
			got := s.strs(t, `SELECT new_value FROM ledger ORDER BY id`)
			if !slices.Equal(got, want) {
				t.Errorf("kept %v, want %v", got, want)
			}
			if rep.LedgerRows != len(tc.rows)-len(want) {
				t.Errorf("report says %d rows went, want %d", rep.LedgerRows, len(tc.rows)-len(want))
			}
			if after := ownership(t, s, tc.rows); !reflect.DeepEqual(after, ownedBefore) {
				t.Errorf("ownership changed: before %v, after %v", ownedBefore, after)
			}
		})
	}
}

func ownership(t *testing.T, s state.Backend, rows []ledgerRow) map[string]map[string]map[string]string {
	t.Helper()
	out := map[string]map[string]map[string]string{}
	for _, r := range rows {
		owned, err := s.OwnedBy(context.Background(), r.account, "contact", []string{"1", "2"})
		if err != nil {
			t.Fatal(err)
		}
		out[r.account] = owned
	}
	return out
}

func TestPruneRunsGoWithTheirRows(t *testing.T) { eachBackend(t, testPruneRunsGoWithTheirRows) }

func testPruneRunsGoWithTheirRows(t *testing.T, open opener) {
	ctx := context.Background()
	s := open(t, state.WithClock(func() time.Time { return pruneNow }))
	run := func(id, pipeline string, age time.Duration, status string) {
		t.Helper()
		started := pruneNow.Add(-age)
		if err := s.StartRun(ctx, state.Run{RunID: id, Pipeline: pipeline, Status: "running", StartedAt: started}); err != nil {
			t.Fatal(err)
		}
		if status == "running" {
			return
		}
		err := s.FinishRun(ctx, state.Run{RunID: id, Status: status, FinishedAt: started.Add(time.Minute),
			FieldActions: state.FieldActions{"title": {"write": 2}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	run("old-1", "p", 3000*time.Hour, "ok")
	run("old-2", "p", 2500*time.Hour, "ok")
	run("old-running", "p", 2400*time.Hour, "running") // AbandonRuns ends it, not Prune
	run("young", "p", time.Hour, "ok")
	run("q-old", "q", 3000*time.Hour, "ok")   // q's latest run: the status shows it
	run("q-older", "q", 4000*time.Hour, "ok") // superseded by q-old
	spend := func(age time.Duration) {
		t.Helper()
		if err := s.SaveEnrichments(ctx, state.Spend{Pipeline: "p", RunID: "old-1", Call: "c", Credits: 1,
			At: pruneNow.Add(-age)}, nil); err != nil {
			t.Fatal(err)
		}
	}
	spend(3000 * time.Hour) // goes
	spend(time.Hour)        // today: stays
	spend(24 * time.Hour)   // within keep_runs: stays

	rep, err := s.Prune(ctx, keep, pruneNow)
	if err != nil {
		t.Fatal(err)
	}
	runs, err := s.Runs(ctx, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range runs {
		ids = append(ids, r.RunID)
	}
	slices.Sort(ids)
	if want := []string{"old-running", "q-old", "young"}; !slices.Equal(ids, want) {
		t.Errorf("runs kept %v, want %v", ids, want)
	}
	if n := s.count(t, `SELECT count(*) FROM run_field_actions WHERE run_id NOT IN (SELECT run_id FROM runs)`); n != 0 {
		t.Errorf("%d field action rows outlived their runs", n)
	}
	if n := s.count(t, `SELECT count(*) FROM run_field_actions`); n != 2 {
		t.Errorf("%d field action rows, want those of young and q-old", n)
	}
	if n := s.count(t, `SELECT count(*) FROM spend`); n != 2 {
		t.Errorf("%d spend rows, want 2", n)
	}
	if rep.Runs != 3 || rep.FieldActions != 3 || rep.Spend != 1 {
		t.Errorf("report %+v", rep)
	}
	spent, err := s.CreditsSpent(ctx, "", pruneNow.UTC().Truncate(24*time.Hour))
	if err != nil || spent != 1 {
		t.Errorf("today's spend %d, %v; want 1", spent, err)
	}
}

func TestPruneRefusesBadRetention(t *testing.T) { eachBackend(t, testPruneRefusesBadRetention) }

func testPruneRefusesBadRetention(t *testing.T, open opener) {
	s := open(t)
	if _, err := s.Prune(context.Background(), state.Retention{}, pruneNow); err == nil {
		t.Fatal("a zero keep_runs pruned everything")
	}
}

func TestNewFileUsesIncrementalVacuum(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	openStore(t, path)
	if n := queryInt(t, rawDB(t, path), `PRAGMA auto_vacuum`); n != 2 {
		t.Fatalf("auto_vacuum = %d, want 2 (incremental)", n)
	}
}

// fillLedger writes n old rows of one field, each with a large value: all but the
// last are superseded.
func fillLedger(t *testing.T, s *state.SQLite, n int) {
	t.Helper()
	big := strings.Repeat("x", 2000)
	for i := range n {
		err := s.CommitPage(context.Background(), state.PageCommit{Pipeline: "p", Account: "a", Ledger: []state.LedgerEntry{{
			RunID: "r", CRMObject: "contact", CRMID: "1", Field: "notes", NewValue: fmt.Sprint(i, big),
			WrittenAt: pruneNow.Add(-2000*time.Hour + time.Duration(i)*time.Second)}}})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestPruneShrinksTheFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.db")
	s := openStore(t, path, state.WithClock(func() time.Time { return pruneNow }))
	fillLedger(t, s, 500)
	w, _ := state.Pools(s)
	pages := func() int { return queryInt(t, w, `PRAGMA page_count`) }
	if err := s.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	before, sizeBefore := pages(), fileSize(t, path)
	rep, err := s.Prune(ctx, keep, pruneNow)
	if err != nil {
		t.Fatal(err)
	}
	after := pages()
	if rep.LedgerRows != 499 {
		t.Errorf("pruned %d rows, want 499", rep.LedgerRows)
	}
	if after > before/4 || rep.FreedPages != before-after {
		t.Errorf("pages %d → %d (report: %d freed); want the file to shrink to under a quarter", before, after, rep.FreedPages)
	}
	if n := queryInt(t, w, `PRAGMA freelist_count`); n != 0 {
		t.Errorf("%d free pages left in the file", n)
	}
	if size := fileSize(t, path); size >= sizeBefore/4 {
		t.Errorf("file %d → %d bytes", sizeBefore, size)
	}
	if size := fileSize(t, path+"-wal"); size != 0 {
		t.Errorf("WAL is %d bytes after prune, want truncated", size)
	}
}

func TestCompactConvertsAnOldFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.db")
	s := openStore(t, path, state.WithClock(func() time.Time { return pruneNow }))
	w, _ := state.Pools(s)
	// A file made before leadsync set auto_vacuum.
	if _, err := w.Exec(`PRAGMA auto_vacuum = NONE`); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Exec(`VACUUM`); err != nil {
		t.Fatal(err)
	}
	if n := queryInt(t, w, `PRAGMA auto_vacuum`); n != 0 {
		t.Fatalf("auto_vacuum = %d, want 0 to start from", n)
	}
	fillLedger(t, s, 200)
	before := queryInt(t, w, `PRAGMA page_count`)
	if _, err := s.Prune(ctx, keep, pruneNow); err != nil {
		t.Fatal(err)
	}
	if n := queryInt(t, w, `PRAGMA auto_vacuum`); n != 2 {
		t.Errorf("auto_vacuum = %d after the first prune, want 2", n)
	}
	if after := queryInt(t, w, `PRAGMA page_count`); after > before/4 {
		t.Errorf("pages %d → %d", before, after)
	}
	// Later prunes free pages incrementally.
	fillLedger(t, s, 200)
	before = queryInt(t, w, `PRAGMA page_count`)
	if _, err := s.Prune(ctx, keep, pruneNow); err != nil {
		t.Fatal(err)
	}
	if after := queryInt(t, w, `PRAGMA page_count`); after > before/4 {
		t.Errorf("second prune: pages %d → %d", before, after)
	}
}

func TestCheckpointTruncatesTheWAL(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s := openStore(t, path, state.WithClock(func() time.Time { return pruneNow }))
	fillLedger(t, s, 50)
	if size := fileSize(t, path+"-wal"); size == 0 {
		t.Fatal("the WAL is empty before the checkpoint; the test proves nothing")
	}
	if err := s.Checkpoint(context.Background()); err != nil {
		t.Fatal(err)
	}
	if size := fileSize(t, path+"-wal"); size != 0 {
		t.Errorf("WAL is %d bytes after a checkpoint, want 0", size)
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return info.Size()
}

// TestBackupWhileWriting copies the file while another connection commits pages
// of two rows (a record state and a ledger row) each: the copy must hold whole
// pages only, and be a state file that opens.
func TestBackupWhileWriting(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "state.db")
	s := openStore(t, path)
	commit := func(i int) error {
		id := fmt.Sprint(i)
		return s.CommitPage(ctx, state.PageCommit{Pipeline: "p", Account: "a",
			Records: []state.RecordState{{CRMID: id, Status: state.StatusDone}},
			Ledger:  []state.LedgerEntry{{RunID: "r", CRMObject: "contact", CRMID: id, Field: "title", NewValue: "v"}}})
	}
	for i := range 200 {
		if err := commit(i); err != nil {
			t.Fatal(err)
		}
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var writeErr error
	wg.Go(func() {
		for i := 200; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if err := commit(i); err != nil {
				writeErr = err
				return
			}
		}
	})
	old := syscall.Umask(0) // the copy is 0600 whatever the umask
	copies := []string{filepath.Join(dir, "b1.db"), filepath.Join(dir, "b2.db")}
	var errs []error
	for _, c := range copies {
		errs = append(errs, state.Backup(ctx, path, c))
	}
	syscall.Umask(old)
	close(stop)
	wg.Wait()
	if writeErr != nil {
		t.Fatalf("the writer failed during the backup: %v", writeErr)
	}
	for i, c := range copies {
		if errs[i] != nil {
			t.Fatalf("Backup: %v", errs[i])
		}
		info, err := os.Stat(c)
		if err != nil {
			t.Fatal(err)
		}
		if mode := info.Mode().Perm(); mode != 0o600 {
			t.Errorf("%s has mode %v, want 0600", c, mode)
		}
		db := rawDB(t, c)
		var ok string
		if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&ok); err != nil || ok != "ok" {
			t.Errorf("integrity_check of %s: %q, %v", c, ok, err)
		}
		recs := queryInt(t, db, `SELECT count(*) FROM records`)
		rows := queryInt(t, db, `SELECT count(*) FROM ledger`)
		if recs < 200 || recs != rows {
			t.Errorf("%s holds %d records and %d ledger rows: not one snapshot of whole pages", c, recs, rows)
		}
		copyStore := openStore(t, c)
		if owned, err := copyStore.OwnedBy(ctx, "a", "contact", []string{"7"}); err != nil || owned["7"]["title"] != "v" {
			t.Errorf("the copy's ownership of record 7: %v, %v", owned, err)
		}
	}
	matches, _ := filepath.Glob(filepath.Join(dir, ".*backup-*"))
	if len(matches) > 0 {
		t.Errorf("temporary files left: %v", matches)
	}
}

func TestBackupRefusesToOverwrite(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "state.db")
	openStore(t, path)
	dest := filepath.Join(dir, "exists.db")
	writeFile(t, dest, "precious")
	if err := state.Backup(ctx, path, dest); !errors.Is(err, state.ErrBackupExists) {
		t.Fatalf("Backup over an existing file: %v, want ErrBackupExists", err)
	}
	if got := readFile(t, dest); got != "precious" {
		t.Errorf("the existing file now holds %q", got)
	}
	other := filepath.Join(dir, "other.db")
	execRaw(t, other, `CREATE TABLE t (x)`)
	if err := state.Backup(ctx, other, filepath.Join(dir, "b.db")); !errors.Is(err, state.ErrNotStateFile) {
		t.Errorf("Backup of another program's file: %v, want ErrNotStateFile", err)
	}
	if err := state.Backup(ctx, filepath.Join(dir, "missing.db"), filepath.Join(dir, "c.db")); err == nil {
		t.Error("Backup of a missing file succeeded")
	}
	if _, err := os.Stat(filepath.Join(dir, "missing.db")); err == nil {
		t.Error("Backup created the missing source")
	}
}

func TestPruneInbox(t *testing.T) { eachBackend(t, testPruneInbox) }

// testPruneInbox: processed deliveries older than keep_runs go; younger ones and
// those still waiting to be processed, however old, stay.
func testPruneInbox(t *testing.T, open opener) {
	ctx := context.Background()
	s := open(t, state.WithClock(func() time.Time { return pruneNow }))
	add := func(id string, age time.Duration, settle bool) {
		t.Helper()
		at := pruneNow.Add(-age)
		if _, err := s.Receive(ctx, state.Delivery{PayloadID: id, Kind: state.InboxSignal, Body: []byte(`{}`), ReceivedAt: at}); err != nil {
			t.Fatal(err)
		}
		if !settle {
			return
		}
		ds, err := s.Unprocessed(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range ds {
			if d.PayloadID == id {
				if err := s.Settle(ctx, d.Seq, state.InboxRecorded, at); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	add("old-done", 3000*time.Hour, true)
	add("old-waiting", 3000*time.Hour, false)
	add("young-done", time.Hour, true)
	rep, err := s.Prune(ctx, state.Retention{KeepRuns: 2160 * time.Hour}, pruneNow)
	if err != nil || rep.Inbox != 1 {
		t.Fatalf("Prune = %+v, %v; want one delivery gone", rep, err)
	}
	counts, err := s.InboxCounts(ctx)
	if err != nil || counts[state.InboxRecorded] != 1 || counts[state.InboxReceived] != 1 {
		t.Errorf("inbox after the prune = %v, %v; want young-done and old-waiting", counts, err)
	}
	// A processed delivery that stays still keeps its retries out.
	if stored, err := s.Receive(ctx, state.Delivery{PayloadID: "young-done", Kind: state.InboxSignal, Body: []byte(`{}`)}); err != nil || stored {
		t.Errorf("a kept processed delivery was stored again: %v, %v", stored, err)
	}
}
