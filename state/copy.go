package state

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// CopyReport counts the rows Copy copied, by table.
type CopyReport struct {
	Rows map[string]int
}

// copyTable is one table Copy moves, its columns as both schemas name them, and
// the order that keeps what order means (insertion order of runs).
type copyTable struct {
	name, columns, order string
}

// copyTables is every durable table. Leases and identity claims are not copied:
// they belong to the processes that ran on the file, and expire.
var copyTables = []copyTable{
	{"runs", runColumns, "rowid"},
	{"run_field_actions", "run_id, field, action, n", "run_id, field, action"},
	{"cursors", "pipeline, cursor, updated_at", "pipeline"},
	{"records", recordColumns, "pipeline, crm_account, crm_id"},
	{"enrichments", "key, outcome, lusha_id, answer, revealed, credits, fetched_at, expires_at", "key"},
	{"suppressions", "key, reason, suppressed_at", "key"},
	{"spend", "id, pipeline, run_id, call, credits, spent_at", "id"},
	{"ledger", `id, run_id, pipeline, crm_account, crm_object, crm_id, field, old_value, new_value,
		source_path, lusha_id, written_at, erased_at, pending, signal_id`, "id"},
	{"oauth_tokens", "account, refresh_token, updated_at", "account"},
	// The inbox keeps its order; seq is the target's own (as the runs' rowid).
	{"inbox", "payload_id, kind, body, status, received_at, processed_at", "seq"},
}

// copyCheckTables is what must be empty in the target: every table of the state.
var copyCheckTables = []string{"runs", "run_field_actions", "cursors", "leases", "records", "enrichments",
	"suppressions", "spend", "ledger", "identity_claims", "oauth_tokens", "inbox"}

// Copy moves the durable state of a SQLite file into an empty PostgreSQL state,
// in one PostgreSQL transaction from one read snapshot of the file: runs with
// their field actions, cursors, cached answers with their expiry, suppressions,
// the credit log, the ledger (pending rows included), record states (parked and
// unknown included), OAuth tokens and the webhook inbox, with the ledger and credit log keeping their
// ids. Nothing is bought again. Leases and identity claims stay behind. A target
// that holds any state is refused, and nothing is written to it.
func Copy(ctx context.Context, from *SQLite, to *Postgres) (CopyReport, error) {
	rep := CopyReport{Rows: map[string]int{}}
	src, err := from.r.DB.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return rep, fmt.Errorf("state: copy: %w", err)
	}
	defer src.Rollback() //nolint:errcheck // read-only
	err = pgx.BeginFunc(ctx, to.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, postgresWriteLock); err != nil {
			return err
		}
		if err := refuseNonEmpty(ctx, tx); err != nil {
			return err
		}
		for _, t := range copyTables {
			n, err := copyRows(ctx, src, tx, t)
			if err != nil {
				return fmt.Errorf("%s: %w", t.name, err)
			}
			rep.Rows[t.name] = n
		}
		// The copied ids are taken: new rows continue after them.
		for _, t := range []string{"spend", "ledger"} {
			if _, err := tx.Exec(ctx, `SELECT setval(pg_get_serial_sequence('`+t+`', 'id'),
				COALESCE(max(id), 0) + 1, false) FROM `+t); err != nil {
				return fmt.Errorf("%s: %w", t, err)
			}
		}
		return nil
	})
	if err != nil {
		return CopyReport{Rows: map[string]int{}}, fmt.Errorf("state: copy: %w", err)
	}
	return rep, nil
}

// refuseNonEmpty says which tables of the target hold rows, if any do.
func refuseNonEmpty(ctx context.Context, tx pgx.Tx) error {
	var found []string
	for _, t := range copyCheckTables {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM `+t).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			found = append(found, fmt.Sprintf("%s: %d rows", t, n))
		}
	}
	if len(found) > 0 {
		return fmt.Errorf("the target already holds state (%s); copy only into a database that "+
			"`leadsync migrate` just created", strings.Join(found, ", "))
	}
	return nil
}

// copyRows streams one table from the file into the database.
func copyRows(ctx context.Context, src *sql.Tx, dst pgx.Tx, t copyTable) (int, error) {
	cols := strings.Split(t.columns, ",")
	for i, c := range cols {
		cols[i] = strings.TrimSpace(c)
	}
	rows, err := src.QueryContext(ctx, `SELECT `+t.columns+` FROM `+t.name+` ORDER BY `+t.order)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n, err := dst.CopyFrom(ctx, pgx.Identifier{t.name}, cols, pgx.CopyFromFunc(func() ([]any, error) {
		if !rows.Next() {
			return nil, rows.Err()
		}
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		return vals, rows.Scan(ptrs...)
	}))
	return int(n), err
}
