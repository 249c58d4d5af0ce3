package state

import (
	"context"
	"fmt"
	"time"
)

// rowKey checks that a record or ledger row of c belongs to c's pipeline and
// account (empty means c's) and returns the account it is stored under.
func (c *PageCommit) rowKey(what, pipeline, account string) (string, error) {
	if pipeline != "" && pipeline != c.Pipeline {
		return "", fmt.Errorf("%s belongs to pipeline %s", what, pipeline)
	}
	if account != "" && account != c.Account {
		return "", fmt.Errorf("%s belongs to CRM account %s, not %q", what, account, c.Account)
	}
	return c.Account, nil
}

func (s *store) upsertRecords(ctx context.Context, tx *txn, c *PageCommit, now time.Time) error {
	if len(c.Records) == 0 {
		return nil
	}
	stmt, err := tx.stmt(ctx, upsertRecordSQL)
	if err != nil {
		return err
	}
	for _, r := range c.Records {
		account, err := c.rowKey("record "+r.CRMID, r.Pipeline, r.Account)
		if err != nil {
			return err
		}
		updated := r.UpdatedAt
		if updated.IsZero() {
			updated = now
		}
		if _, err := stmt.ExecContext(ctx, c.Pipeline, account, r.CRMID, r.Status, r.Class, r.Reason, r.Attempts,
			nullMS(r.NextAttempt), nullMS(r.SeenModifiedAt), r.SeenDigest, r.IdentityKey, toMS(updated),
			b2i(c.Recover)); err != nil {
			return fmt.Errorf("record %s: %w", r.CRMID, err)
		}
	}
	return nil
}

func (s *store) insertLedger(ctx context.Context, tx *txn, c *PageCommit, now time.Time) error {
	if len(c.Ledger) == 0 {
		return nil
	}
	stmt, err := tx.stmt(ctx, insertLedgerSQL)
	if err != nil {
		return err
	}
	for _, e := range c.Ledger {
		account, err := c.rowKey("ledger row of "+e.CRMObject+" "+e.CRMID, e.Pipeline, e.Account)
		if err != nil {
			return err
		}
		written := e.WrittenAt
		if written.IsZero() {
			written = now
		}
		if _, err := stmt.ExecContext(ctx, e.RunID, c.Pipeline, account, e.CRMObject, e.CRMID, e.Field,
			e.OldValue, e.NewValue, e.SourcePath, e.LushaID, toMS(written), b2i(e.Pending), e.SignalID); err != nil {
			return fmt.Errorf("ledger %s %s field %s: %w", e.CRMObject, e.CRMID, e.Field, err)
		}
	}
	return nil
}

// settlePending drops the pending ledger rows of c.Settle: their write was
// answered, and the commit that settles them inserts what was really written.
func (s *store) settlePending(ctx context.Context, tx *txn, c *PageCommit) error {
	return s.perRecord(ctx, tx, c, settlePendingSQL, c.Settle)
}

// dropRecords deletes the record states of c.Drop, but not one left 'unknown'.
func (s *store) dropRecords(ctx context.Context, tx *txn, c *PageCommit) error {
	return s.perRecord(ctx, tx, c, dropRecordSQL, c.Drop)
}

// perRecord runs query, whose parameters are c's pipeline and account and a CRM id,
// once for each of ids.
func (s *store) perRecord(ctx context.Context, tx *txn, c *PageCommit, query string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	stmt, err := tx.stmt(ctx, query)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if _, err := stmt.ExecContext(ctx, c.Pipeline, c.Account, id); err != nil {
			return fmt.Errorf("record %s: %w", id, err)
		}
	}
	return nil
}
