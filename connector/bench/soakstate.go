package bench

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
)

// stateCounter counts the rows of the state file's growing tables through a
// read-only connection of its own, so that the soak can tell the history that
// retention bounds (runs, superseded ledger rows) from what grows with the CRM
// (a record row and the latest ledger row of each field, per CRM record).
type stateCounter struct{ db *sql.DB }

func openStateCounter(path string) (*stateCounter, error) {
	db, err := sql.Open("sqlite3", "file:"+url.PathEscape(path)+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		return nil, fmt.Errorf("bench: open the state file to count its rows: %w", err)
	}
	db.SetMaxOpenConns(1)
	return &stateCounter{db: db}, nil
}

// count fills s's row counts; an error leaves them 0, as a missing /proc does RSS.
func (c *stateCounter) count(ctx context.Context, s *Sample) {
	_ = c.db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM runs), (SELECT count(*) FROM ledger),
		(SELECT count(*) FROM (SELECT 1 FROM ledger GROUP BY crm_account, crm_object, crm_id, field)),
		(SELECT count(*) FROM records)`).Scan(&s.RunRows, &s.LedgerRows, &s.LedgerFields, &s.RecordRows)
}

func (c *stateCounter) Close() error { return c.db.Close() }
