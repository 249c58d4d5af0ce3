//go:build cgo

package state_test

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/leadsync/leadsync/state"
)

// v3Rows is what a state file of schema 3 holds: a run, a cursor, a live lease,
// records of two pipelines, a cached answer, a suppression, an owned value and a
// pending write. Times are milliseconds after v3Epoch.
const v3Rows = `
INSERT INTO runs (run_id, pipeline, status, started_at, finished_at, records_read)
	VALUES ('r1', 'p', 'ok', 1000, 2000, 5);
INSERT INTO cursors VALUES ('p', 'c7', 1000);
INSERT INTO leases VALUES ('p', 'old-host', 1000, 4102444800000);
INSERT INTO records VALUES
	('p', '1', 'done', '', '', 0, NULL, 5000, 'key-1', 1000),
	('p', '2', 'pending', 'rate_limited', 'HTTP 429', 2, 3000, NULL, '', 1000),
	('q', '1', 'parked', 'invalid', 'bad', 1, 4000, NULL, '', 1000);
INSERT INTO enrichments VALUES ('key-1', 'matched', 'L1', CAST('{}' AS BLOB), '[]', 1, 1000, 4102444800000);
INSERT INTO suppressions VALUES ('sup', 'restricted', 1000);
INSERT INTO ledger (run_id, pipeline, crm_object, crm_id, field, old_value, new_value,
		source_path, lusha_id, written_at, pending) VALUES
	('r1', 'p', 'contacts', '1', 'title', '', 'CTO', 'contact.title', 'L1', 1000, 0),
	('r1', 'p', 'contacts', '2', 'phone', '', '+1', 'contact.phone', 'L2', 1000, 1);`

// TestMigrateFromV3 migrates a file that migrations 0001 to 0003 made, with rows
// in every table: they survive, under the CRM account "".
func TestMigrateFromV3(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "state.db")
	buildV3(t, path)
	execRaw(t, path, v3Rows)
	at := func(msec int64) time.Time { return time.UnixMilli(msec).UTC() }
	s := openStore(t, path, state.WithClock(func() time.Time { return at(10_000) }))

	got, err := s.RecordsOf(ctx, "p", "", []string{"1", "2"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]state.RecordState{
		"1": {Pipeline: "p", CRMID: "1", Status: state.StatusDone, SeenModifiedAt: at(5000),
			IdentityKey: "key-1", UpdatedAt: at(1000)},
		"2": {Pipeline: "p", CRMID: "2", Status: state.StatusPending, Class: "rate_limited", Reason: "HTTP 429",
			Attempts: 2, NextAttempt: at(3000), UpdatedAt: at(1000)},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("records after migration (-want +got):\n%s", diff)
	}
	if q, err := s.RecordsOf(ctx, "q", "", []string{"1"}); err != nil || q["1"].Status != state.StatusParked {
		t.Errorf("record of q = %+v, %v", q, err)
	}
	if owned, err := s.OwnedBy(ctx, "", "contacts", []string{"1"}); err != nil || owned["1"]["title"] != "CTO" {
		t.Errorf("owned = %v, %v; want the title kept", owned, err)
	}
	if pending, err := s.PendingWritesOf(ctx, "p", ""); err != nil || len(pending) != 1 || pending[0].NewValue != "+1" {
		t.Errorf("pending writes = %+v, %v; want the phone", pending, err)
	}
	if cur, err := s.Cursor(ctx, "p"); err != nil || cur != "c7" {
		t.Errorf("cursor = %q, %v", cur, err)
	}
	if sup, err := s.Suppressed(ctx, "sup"); err != nil || !sup {
		t.Errorf("suppressed = %v, %v", sup, err)
	}
	if e, err := s.Enrichment(ctx, "key-1", at(10_000)); err != nil || e == nil || e.LushaID != "L1" {
		t.Errorf("enrichment = %+v, %v", e, err)
	}
	// The lease from before the generations is generation 0, and renewing it
	// keeps it: its holder runs on without a takeover.
	if l, err := s.Acquire(ctx, "p", "old-host", time.Minute); err != nil || l.Generation != 0 {
		t.Errorf("renewal of the old lease = %+v, %v; want generation 0", l, err)
	}
	if _, err := s.Acquire(ctx, "p", "new-host", time.Minute); !errors.Is(err, state.ErrLeaseHeld) {
		t.Errorf("Acquire by another host = %v; want the lease held", err)
	}
}

// TestSchemaAfterMigration checks what migrating a file of a leadsync older than
// the application id must keep or change: the file is marked as leadsync's, the
// rebuilt tables keep their indexes, the status CHECK is widened and the CRM
// account is part of the primary key.
func TestSchemaAfterMigration(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	buildV3(t, path)
	openStore(t, path)
	db := rawDB(t, path)
	if got := queryInt(t, db, "PRAGMA application_id"); got != state.ApplicationID {
		t.Errorf("application_id = %#x, want %#x", got, state.ApplicationID)
	}
	if got := queryInt(t, db, "PRAGMA user_version"); got != state.SchemaVersion() {
		t.Errorf("user_version = %d, want %d", got, state.SchemaVersion())
	}
	wantIndexes := []string{"ledger_by_crm_id", "ledger_by_record", "ledger_by_run", "ledger_pending",
		"ledger_unassigned", "records_by_crm_id", "records_by_identity", "records_by_status"}
	var indexes []string
	rows, err := db.Query(`SELECT name FROM sqlite_schema WHERE type = 'index'
		AND tbl_name IN ('records', 'ledger') AND sql IS NOT NULL ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		indexes = append(indexes, n)
	}
	if !slices.Equal(indexes, wantIndexes) {
		t.Errorf("indexes = %v, want %v", indexes, wantIndexes)
	}
	tests := []struct {
		sql     string
		wantErr string
	}{
		{`INSERT INTO records (pipeline, crm_account, crm_id, status, updated_at) VALUES ('p', 'a', '1', 'unknown', 0)`, ""},
		{`INSERT INTO records (pipeline, crm_account, crm_id, status, updated_at) VALUES ('p', 'b', '1', 'unknown', 0)`, ""},
		{`INSERT INTO records (pipeline, crm_account, crm_id, status, updated_at) VALUES ('p', 'a', '1', 'done', 0)`, "UNIQUE"},
		{`INSERT INTO records (pipeline, crm_id, status, updated_at) VALUES ('p', '2', 'bogus', 0)`, "CHECK"},
	}
	for _, tt := range tests {
		_, err := db.Exec(tt.sql)
		if (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("%s: %v, want error %q", tt.sql, err, tt.wantErr)
		}
	}
	// AssignAccount must not read the whole ledger each time it is called.
	var plan strings.Builder
	prows, err := db.Query(`EXPLAIN QUERY PLAN `+state.AssignLedgerSQL, "acct", "p")
	if err != nil {
		t.Fatal(err)
	}
	for prows.Next() {
		var id, parent, notused int
		var detail string
		if err := prows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		plan.WriteString(detail + "\n")
	}
	if !strings.Contains(plan.String(), "ledger_unassigned") {
		t.Errorf("AssignAccount's ledger update does not use ledger_unassigned:\n%s", plan.String())
	}
}
