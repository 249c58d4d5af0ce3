package state

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

func upsertRecords(ctx context.Context, tx *sql.Tx, pipeline string, recs []RecordState, now time.Time) error {
	if len(recs) == 0 {
		return nil
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO records (`+recordColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (pipeline, crm_id) DO UPDATE SET
			status = excluded.status, class = excluded.class, reason = excluded.reason,
			attempts = excluded.attempts, next_attempt = excluded.next_attempt,
			seen_modified_at = excluded.seen_modified_at, identity_key = excluded.identity_key,
			updated_at = excluded.updated_at`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, r := range recs {
		if r.Pipeline != "" && r.Pipeline != pipeline {
			return fmt.Errorf("record %s belongs to pipeline %s", r.CRMID, r.Pipeline)
		}
		updated := r.UpdatedAt
		if updated.IsZero() {
			updated = now
		}
		if _, err := stmt.ExecContext(ctx, pipeline, r.CRMID, r.Status, r.Class, r.Reason, r.Attempts,
			nullMS(r.NextAttempt), nullMS(r.SeenModifiedAt), r.IdentityKey, toMS(updated)); err != nil {
			return fmt.Errorf("record %s: %w", r.CRMID, err)
		}
	}
	return nil
}

func insertLedger(ctx context.Context, tx *sql.Tx, pipeline string, entries []LedgerEntry, now time.Time) error {
	if len(entries) == 0 {
		return nil
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO ledger (run_id, pipeline, crm_object, crm_id, field,
		old_value, new_value, source_path, lusha_id, written_at, pending)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, e := range entries {
		if e.Pipeline != "" && e.Pipeline != pipeline {
			return fmt.Errorf("ledger row of %s %s belongs to pipeline %s", e.CRMObject, e.CRMID, e.Pipeline)
		}
		written := e.WrittenAt
		if written.IsZero() {
			written = now
		}
		if _, err := stmt.ExecContext(ctx, e.RunID, pipeline, e.CRMObject, e.CRMID, e.Field,
			e.OldValue, e.NewValue, e.SourcePath, e.LushaID, toMS(written), e.Pending); err != nil {
			return fmt.Errorf("ledger %s %s field %s: %w", e.CRMObject, e.CRMID, e.Field, err)
		}
	}
	return nil
}

// settlePending drops the pending ledger rows of the given records: their write was
// answered, and the commit that settles them inserts what was really written.
func settlePending(ctx context.Context, tx *sql.Tx, pipeline string, crmIDs []string) error {
	for _, id := range crmIDs {
		if _, err := tx.ExecContext(ctx, `DELETE FROM ledger WHERE pipeline = ? AND crm_id = ? AND pending = 1`,
			pipeline, id); err != nil {
			return err
		}
	}
	return nil
}
