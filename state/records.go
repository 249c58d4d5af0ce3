package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// recordsChunk bounds the ids bound into one IN list: SQLite builds before 3.32
// allow only 999 variables, and a page holds up to 200 ids anyway.
const recordsChunk = 500

const recordColumns = `pipeline, crm_account, crm_id, status, class, reason, attempts, next_attempt,
	seen_modified_at, seen_digest, identity_key, updated_at`

// Records is RecordsOf for the CRM account "".
//
// Deprecated: use RecordsOf: record ids collide across CRM accounts.
func (s *store) Records(ctx context.Context, pipeline string, crmIDs []string) (map[string]RecordState, error) {
	return s.RecordsOf(ctx, pipeline, "", crmIDs)
}

// RecordsOf returns the stored state of the given CRM ids of one CRM account in
// pipeline, keyed by CRM id; ids never seen are absent.
func (s *store) RecordsOf(ctx context.Context, pipeline, account string, crmIDs []string) (map[string]RecordState, error) {
	out := make(map[string]RecordState, len(crmIDs))
	err := inChunks(crmIDs, func(chunk []string) error {
		rows, err := s.r.QueryContext(ctx, `SELECT `+recordColumns+` FROM records
			WHERE pipeline = ? AND crm_account = ? AND crm_id IN (`+marks(len(chunk))+`)`,
			append([]any{pipeline, account}, anys(chunk)...)...)
		if err != nil {
			return err
		}
		return scanRecords(rows, func(r RecordState) { out[r.CRMID] = r })
	})
	if err != nil {
		return nil, fmt.Errorf("state: records of %s: %w", pipeline, err)
	}
	return out, nil
}

// scanRecords reads recordColumns rows into fn and closes rows.
func scanRecords(rows *sql.Rows, fn func(RecordState)) error {
	defer rows.Close()
	for rows.Next() {
		var (
			r          RecordState
			next, seen sql.NullInt64
			updated    int64
		)
		if err := rows.Scan(&r.Pipeline, &r.Account, &r.CRMID, &r.Status, &r.Class, &r.Reason, &r.Attempts,
			&next, &seen, &r.SeenDigest, &r.IdentityKey, &updated); err != nil {
			return err
		}
		r.NextAttempt, r.SeenModifiedAt, r.UpdatedAt = fromNullMS(next), fromNullMS(seen), fromMS(updated)
		fn(r)
	}
	return rows.Err()
}

// Owned returns, per field, the value of the latest ledger row (by write time, then
// insertion order) of one CRM record of the account "". A field whose latest row
// was erased by Forget is absent: leadsync can no longer prove what it wrote there.
//
// Deprecated: use OwnedBy: ownership must not cross CRM accounts.
func (s *store) Owned(ctx context.Context, crmObject, crmID string) (map[string]string, error) {
	owned, err := s.OwnedBy(ctx, "", crmObject, []string{crmID})
	if err != nil {
		return nil, err
	}
	if owned[crmID] == nil {
		return map[string]string{}, nil
	}
	return owned[crmID], nil
}

// CommitPage stores the outcome of one page in one transaction: record states
// (upserted), ledger rows (appended) and, when c.Cursor is set, the new cursor.
// Zero UpdatedAt and WrittenAt are set to now; an empty Pipeline or Account on a
// record or ledger row means c's. With a Fence, it first checks in the same
// transaction that the fence still holds the pipeline's lease, else it writes
// nothing and returns an error wrapping ErrLeaseLost; a commit with nothing but
// a Fence is that check alone.
func (s *store) CommitPage(ctx context.Context, c PageCommit) error {
	if c.Pipeline == "" {
		return errors.New("state: commit page: pipeline is required")
	}
	now := s.now()
	err := s.write(ctx, func(tx *txn) error {
		if err := s.checkFence(ctx, tx, c.Pipeline, c.Fence, now); err != nil {
			return err
		}
		if err := s.upsertRecords(ctx, tx, &c, now); err != nil {
			return err
		}
		if err := s.settlePending(ctx, tx, &c); err != nil {
			return err
		}
		if err := s.insertLedger(ctx, tx, &c, now); err != nil {
			return err
		}
		if err := s.dropRecords(ctx, tx, &c); err != nil {
			return err
		}
		if c.Cursor == nil {
			return nil
		}
		stmt, err := tx.stmt(ctx, upsertCursorSQL)
		if err != nil {
			return err
		}
		_, err = stmt.ExecContext(ctx, c.Pipeline, *c.Cursor, toMS(now))
		return err
	})
	if err != nil {
		return fmt.Errorf("state: commit page of %s: %w", c.Pipeline, err)
	}
	return nil
}
