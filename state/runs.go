package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// ErrNoRun is returned by FinishRun for a run that was never started.
var ErrNoRun = errors.New("state: no such run")

const runColumns = `run_id, pipeline, dry_run, status, started_at, finished_at, error,
	records_read, records_enriched, records_written, records_skipped, records_failed,
	fields_written, credits_spent, runner`

// StartRun records a new run; a zero StartedAt is set to now.
func (s *store) StartRun(ctx context.Context, r Run) error {
	if r.RunID == "" || r.Pipeline == "" {
		return errors.New("state: start run: run id and pipeline are required")
	}
	r.StartedAt = orNow(r.StartedAt, s.now)
	c := r.Counts
	return s.write(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO runs (`+runColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.RunID, r.Pipeline, b2i(r.DryRun), r.Status, toMS(r.StartedAt), nullMS(r.FinishedAt), r.Error,
			c.RecordsRead, c.RecordsEnriched, c.RecordsWritten, c.RecordsSkipped, c.RecordsFailed,
			c.FieldsWritten, c.CreditsSpent, r.Runner)
		if err != nil {
			return fmt.Errorf("state: start run %s: %w", r.RunID, err)
		}
		return nil
	})
}

// FinishRun stores the outcome of run r.RunID: status, finish time (now when zero),
// error, counts and, when not nil, the field actions (replacing those stored).
func (s *store) FinishRun(ctx context.Context, r Run) error {
	r.FinishedAt = orNow(r.FinishedAt, s.now)
	return s.write(ctx, func(tx *txn) error { return finishRun(ctx, tx, r) })
}

// finishRun is FinishRun inside a write transaction, r.FinishedAt set.
func finishRun(ctx context.Context, ex execer, r Run) error {
	c := r.Counts
	n, err := ex.exec(ctx, `UPDATE runs SET status = ?, finished_at = ?, error = ?,
		records_read = ?, records_enriched = ?, records_written = ?, records_skipped = ?,
		records_failed = ?, fields_written = ?, credits_spent = ?
		WHERE run_id = ?`,
		r.Status, toMS(r.FinishedAt), r.Error,
		c.RecordsRead, c.RecordsEnriched, c.RecordsWritten, c.RecordsSkipped,
		c.RecordsFailed, c.FieldsWritten, c.CreditsSpent, r.RunID)
	if err != nil {
		return fmt.Errorf("state: finish run %s: %w", r.RunID, err)
	}
	if n == 0 {
		return fmt.Errorf("%w: %s", ErrNoRun, r.RunID)
	}
	if r.FieldActions != nil {
		if err := saveFieldActions(ctx, ex, r.RunID, r.FieldActions); err != nil {
			return fmt.Errorf("state: finish run %s: field actions: %w", r.RunID, err)
		}
	}
	return nil
}

// Runs returns up to limit runs, newest first, of one pipeline ("" for all).
// A limit <= 0 returns every run.
func (s *store) Runs(ctx context.Context, pipeline string, limit int) ([]Run, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+runColumns+` FROM runs
		WHERE ? = '' OR pipeline = ?
		ORDER BY started_at DESC, rowid DESC LIMIT ?`, pipeline, pipeline, s.limit(limit))
	if err != nil {
		return nil, fmt.Errorf("state: runs: %w", err)
	}
	defer rows.Close()
	var runs []Run
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, fmt.Errorf("state: runs: %w", err)
		}
		runs = append(runs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("state: runs: %w", err)
	}
	return runs, nil
}

func scanRun(rows *sql.Rows) (Run, error) {
	var (
		r        Run
		started  int64
		finished sql.NullInt64
		c        = &r.Counts
	)
	err := rows.Scan(&r.RunID, &r.Pipeline, &r.DryRun, &r.Status, &started, &finished, &r.Error,
		&c.RecordsRead, &c.RecordsEnriched, &c.RecordsWritten, &c.RecordsSkipped, &c.RecordsFailed,
		&c.FieldsWritten, &c.CreditsSpent, &r.Runner)
	r.StartedAt = fromMS(started)
	r.FinishedAt = fromNullMS(finished)
	return r, err
}

// Cursor returns the stored cursor of pipeline, or "" when there is none.
func (s *store) Cursor(ctx context.Context, pipeline string) (string, error) {
	var cur string
	err := s.r.QueryRowContext(ctx, `SELECT cursor FROM cursors WHERE pipeline = ?`, pipeline).Scan(&cur)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("state: cursor of %s: %w", pipeline, err)
	}
	return cur, nil
}
