//go:build cgo

package state_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/leadsync/leadsync/state"
)

func TestPoolSettings(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "state.db"))
	w, r := state.Pools(s)
	tests := []struct {
		pool   string
		pragma string
		want   int
	}{
		{"writer", "foreign_keys", 1},
		{"writer", "busy_timeout", 10000},
		{"writer", "query_only", 0},
		{"writer", "secure_delete", 1},
		{"reader", "foreign_keys", 1},
		{"reader", "busy_timeout", 10000},
		{"reader", "query_only", 1},
	}
	for _, tt := range tests {
		db := map[string]*sql.DB{"writer": w, "reader": r}[tt.pool]
		if got := queryInt(t, db, "PRAGMA "+tt.pragma); got != tt.want {
			t.Errorf("%s: PRAGMA %s = %d, want %d", tt.pool, tt.pragma, got, tt.want)
		}
	}
	if _, err := r.Exec(`DELETE FROM runs`); err == nil {
		t.Error("the read pool accepted a write")
	}
	if got := w.Stats().MaxOpenConnections; got != 1 {
		t.Errorf("writer MaxOpenConnections = %d, want 1", got)
	}
}

// TestTwoProcessesWrite opens the file twice, as two leadsync processes would, and
// writes from both at once: immediate transactions wait instead of failing busy.
func TestTwoProcessesWrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	stores := []*state.SQLite{openStore(t, path), openStore(t, path)}
	const perWorker = 25
	var wg sync.WaitGroup
	errs := make(chan error, 4*perWorker*2) // two writes per iteration
	for w := range 4 {
		s := stores[w%2]
		wg.Go(func() {
			for i := range perWorker {
				id := fmt.Sprintf("%d-%d", w, i)
				errs <- s.CommitPage(context.Background(), state.PageCommit{Pipeline: "p",
					Records: []state.RecordState{{CRMID: id, Status: state.StatusDone}}, Cursor: new(id)})
				errs <- s.AcquireLease(context.Background(), id, "me", time.Minute)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent write from two stores: %v", err)
		}
	}
	db := rawDB(t, path)
	if got := queryInt(t, db, `SELECT count(*) FROM records`); got != 4*perWorker {
		t.Errorf("records = %d, want %d", got, 4*perWorker)
	}
}

// TestCommitPageRollsBackOnLedgerFailure fails the last statement but one of a
// page (a ledger insert, after the records) with a trigger.
func TestCommitPageRollsBackOnLedgerFailure(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "state.db")
	s := openStore(t, path)
	if err := s.CommitPage(ctx, state.PageCommit{Pipeline: "p", Cursor: new("c0"),
		Records: []state.RecordState{{CRMID: "1", Status: state.StatusPending}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := rawDB(t, path).Exec(`CREATE TRIGGER boom BEFORE INSERT ON ledger
		WHEN NEW.field = 'boom' BEGIN SELECT RAISE(ABORT, 'forced failure'); END`); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		page state.PageCommit
	}{
		{"ledger insert fails", state.PageCommit{Pipeline: "p", Cursor: new("c1"),
			Records: []state.RecordState{{CRMID: "1", Status: state.StatusDone}, {CRMID: "2", Status: state.StatusDone}},
			Ledger: []state.LedgerEntry{{CRMObject: "contacts", CRMID: "1", Field: "ok", NewValue: "v"},
				{CRMObject: "contacts", CRMID: "1", Field: "boom", NewValue: "v"}}}},
		{"record check fails", state.PageCommit{Pipeline: "p", Cursor: new("c1"),
			Records: []state.RecordState{{CRMID: "1", Status: state.StatusDone}, {CRMID: "2", Status: "bogus"}}}},
	}
	for _, tt := range tests {
		if err := s.CommitPage(ctx, tt.page); err == nil {
			t.Fatalf("%s: CommitPage succeeded", tt.name)
		}
		if cur, err := s.Cursor(ctx, "p"); err != nil || cur != "c0" {
			t.Errorf("%s: Cursor = %q, %v; want c0", tt.name, cur, err)
		}
		got, err := s.Records(ctx, "p", []string{"1", "2"})
		if err != nil || len(got) != 1 || got["1"].Status != state.StatusPending {
			t.Errorf("%s: Records = %v, %v; want only 1 still pending", tt.name, got, err)
		}
		if owned, err := s.Owned(ctx, "contacts", "1"); err != nil || len(owned) != 0 {
			t.Errorf("%s: Owned = %v, %v; want no ledger rows", tt.name, owned, err)
		}
	}
}

// TestForgetLeavesNoTrace looks for one person's values in the bytes of the
// database and WAL files after Forget.
func TestForgetLeavesNoTrace(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "state.db")
	s := openStore(t, path)
	const gone, kept = "+15550001234-secret", "+15559998888-kept"
	now := time.Now()
	for _, p := range []struct{ key, id, val string }{{"k-gone", "1", gone}, {"k-kept", "2", kept}} {
		if err := s.SaveEnrichments(ctx, state.Spend{Pipeline: "p", Call: "c", Credits: 1},
			[]state.Enrichment{{Key: p.key, Outcome: state.OutcomeMatched, Answer: []byte(`{"phone":"` + p.val + `"}`),
				ExpiresAt: now.Add(time.Hour)}}); err != nil {
			t.Fatal(err)
		}
		if err := s.CommitPage(ctx, state.PageCommit{Pipeline: "p",
			Records: []state.RecordState{{CRMID: p.id, Status: state.StatusParked, IdentityKey: p.key, Reason: "phone " + p.val + " invalid"}},
			Ledger:  []state.LedgerEntry{{CRMObject: "contacts", CRMID: p.id, Field: "phone", OldValue: p.val + "-old", NewValue: p.val}}}); err != nil {
			t.Fatal(err)
		}
	}
	// No CRM ids given: the record is found through its identity key.
	if err := s.Forget(ctx, "k-gone", nil, time.Time{}); err != nil {
		t.Fatalf("Forget: %v", err)
	}
	var all []byte
	for _, f := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(f)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	if bytes.Contains(all, []byte(gone)) {
		t.Errorf("the files still hold %q after Forget", gone)
	}
	if !bytes.Contains(all, []byte(kept)) {
		t.Errorf("the files lost %q, which was not forgotten (is the test reading the right files?)", kept)
	}
	if got, err := s.Records(ctx, "p", []string{"1", "2"}); err != nil || len(got) != 1 {
		t.Errorf("Records after Forget = %v, %v; want only id 2", got, err)
	}
	db := rawDB(t, path)
	if n := queryInt(t, db, `SELECT count(*) FROM ledger WHERE crm_id = '1' AND erased_at IS NOT NULL
		AND old_value IS NULL AND new_value IS NULL`); n != 1 {
		t.Errorf("erased ledger rows of id 1 = %d, want 1 (kept, values blanked)", n)
	}
}

// TestConcurrentOpen starts several stores on one new file at once, as processes
// started together do: each migration step runs once, none fails busy.
func TestConcurrentOpen(t *testing.T) {
	for round := range 5 {
		path := filepath.Join(t.TempDir(), fmt.Sprintf("state-%d.db", round))
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for range 4 {
			wg.Go(func() {
				s, err := state.Open(t.Context(), path)
				if err == nil {
					err = s.Close()
				}
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("round %d: concurrent Open: %v", round, err)
			}
		}
		if got := queryInt(t, rawDB(t, path), "PRAGMA user_version"); got != state.SchemaVersion() {
			t.Errorf("round %d: user_version = %d, want %d", round, got, state.SchemaVersion())
		}
	}
}

// TestClaimsAcrossProcesses has owners in two stores on one file claim the same
// keys at once, as processes buying the same people do: each key goes to one.
func TestClaimsAcrossProcesses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	stores := []*state.SQLite{openStore(t, path), openStore(t, path)}
	var keys []string
	for i := range 60 {
		keys = append(keys, fmt.Sprint("key-", i))
	}
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex
		got = map[string][]string{} // key → owners
	)
	for w := range 4 {
		wg.Go(func() {
			owner := fmt.Sprint("owner-", w)
			for start := w * 7 % len(keys); start < len(keys); start += 20 { // overlapping slices
				claimed, err := stores[w%2].ClaimIdentities(context.Background(), owner, keys[start:min(start+30, len(keys))], time.Minute)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				for _, k := range claimed {
					if !slices.Contains(got[k], owner) {
						got[k] = append(got[k], owner)
					}
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for k, owners := range got {
		if len(owners) != 1 {
			t.Errorf("%s claimed by %v", k, owners)
		}
	}
}
