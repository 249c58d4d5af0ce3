package state

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

func (s *SQLite) upsertRecords(ctx context.Context, tx *sql.Tx, pipeline string, recs []RecordState, now time.Time) error {
	if len(recs) == 0 {
		return nil
	}
	stmt, err := s.ws.inTx(ctx, tx, upsertRecordSQL)
	if err != nil {
		return err
	}
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

func (s *SQLite) insertLedger(ctx context.Context, tx *sql.Tx, pipeline string, entries []LedgerEntry, now time.Time) error {
	if len(entries) == 0 {
		return nil
	}
	stmt, err := s.ws.inTx(ctx, tx, insertLedgerSQL)
	if err != nil {
		return err
	}
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
func (s *SQLite) settlePending(ctx context.Context, tx *sql.Tx, pipeline string, crmIDs []string) error {
	if len(crmIDs) == 0 {
		return nil
	}
	stmt, err := s.ws.inTx(ctx, tx, settlePendingSQL)
	if err != nil {
		return err
	}
	for _, id := range crmIDs {
		if _, err := stmt.ExecContext(ctx, pipeline, id); err != nil {
			return err
		}
	}
	return nil
}
