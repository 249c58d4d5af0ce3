package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Run returns one run, or ErrNoRun.
func (s *SQLite) Run(ctx context.Context, runID string) (Run, error) {
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
// Rows erased by Forget come back with empty values.
func (s *SQLite) Ledger(ctx context.Context, runID string, limit int) ([]LedgerEntry, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT run_id, pipeline, crm_object, crm_id, field,
		old_value, new_value, source_path, lusha_id, written_at
		FROM ledger WHERE run_id = ? ORDER BY id LIMIT ?`, runID, sqlLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("state: ledger of run %s: %w", runID, err)
	}
	defer rows.Close()
	var out []LedgerEntry
	for rows.Next() {
		var (
			e        LedgerEntry
			old, new sql.NullString
			at       int64
		)
		if err := rows.Scan(&e.RunID, &e.Pipeline, &e.CRMObject, &e.CRMID, &e.Field, &old, &new,
			&e.SourcePath, &e.LushaID, &at); err != nil {
			return nil, fmt.Errorf("state: ledger of run %s: %w", runID, err)
		}
		e.OldValue, e.NewValue, e.WrittenAt = old.String, new.String, fromMS(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// IsNoRun tells whether err says a run does not exist.
func IsNoRun(err error) bool { return errors.Is(err, ErrNoRun) }
