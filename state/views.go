package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Run returns one run, or ErrNoRun.
func (s *store) Run(ctx context.Context, runID string) (Run, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+runColumns+` FROM runs WHERE run_id = ?`, runID)
	if err != nil {
		return Run{}, fmt.Errorf("state: run %s: %w", runID, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return Run{}, fmt.Errorf("state: run %s: %w", runID, err)
		}
		return Run{}, fmt.Errorf("%w: %s", ErrNoRun, runID)
	}
	r, err := scanRun(rows)
	if err != nil {
		return Run{}, fmt.Errorf("state: run %s: %w", runID, err)
	}
	return r, nil
}

// Ledger returns up to limit (all when <= 0) field writes of one run, oldest first.
// Rows erased by Forget come back with empty values; pending rows are left out.
func (s *store) Ledger(ctx context.Context, runID string, limit int) ([]LedgerEntry, error) {
	out, err := s.queryLedger(ctx, `WHERE run_id = ? AND pending = 0 ORDER BY id LIMIT ?`, runID, s.limit(limit))
	if err != nil {
		return nil, fmt.Errorf("state: ledger of run %s: %w", runID, err)
	}
	return out, nil
}

func (s *store) queryLedger(ctx context.Context, where string, args ...any) ([]LedgerEntry, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT run_id, pipeline, crm_account, crm_object, crm_id, field,
		old_value, new_value, source_path, lusha_id, written_at, pending, signal_id FROM ledger `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []LedgerEntry
	for rows.Next() {
		var (
			e        LedgerEntry
			old, new sql.NullString
			at       int64
		)
		if err := rows.Scan(&e.RunID, &e.Pipeline, &e.Account, &e.CRMObject, &e.CRMID, &e.Field, &old, &new,
			&e.SourcePath, &e.LushaID, &at, &e.Pending, &e.SignalID); err != nil {
			return nil, err
		}
		e.OldValue, e.NewValue, e.WrittenAt = old.String, new.String, fromMS(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// PendingWrites is PendingWritesOf for the CRM account "".
//
// Deprecated: use PendingWritesOf: record ids collide across CRM accounts.
func (s *store) PendingWrites(ctx context.Context, pipeline string) ([]LedgerEntry, error) {
	return s.PendingWritesOf(ctx, pipeline, "")
}

// PendingWritesOf returns the pending ledger rows of a pipeline's CRM account, by
// record.
func (s *store) PendingWritesOf(ctx context.Context, pipeline, account string) ([]LedgerEntry, error) {
	out, err := s.queryLedger(ctx, `WHERE pipeline = ? AND crm_account = ? AND pending = 1
		ORDER BY crm_id, id`, pipeline, account)
	if err != nil {
		return nil, fmt.Errorf("state: pending writes of %s: %w", pipeline, err)
	}
	return out, nil
}

// AbandonRuns marks runs left "running" by a dead process as failed.
func (s *store) AbandonRuns(ctx context.Context, pipeline string, before time.Time, reason string) (int, error) {
	var n int64
	err := s.write(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `UPDATE runs SET status = 'failed', error = ?, finished_at = started_at
			WHERE pipeline = ? AND status = 'running' AND dry_run = 0 AND started_at < ?`, reason, pipeline, toMS(before))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("state: abandon runs of %s: %w", pipeline, err)
	}
	return int(n), nil
}

// IsNoRun tells whether err says a run does not exist.
func IsNoRun(err error) bool { return errors.Is(err, ErrNoRun) }
