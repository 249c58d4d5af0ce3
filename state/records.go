package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// recordsChunk bounds the ids bound into one IN list: SQLite builds before 3.32
// allow only 999 variables, and a page holds up to 200 ids anyway.
const recordsChunk = 500

const recordColumns = `pipeline, crm_id, status, class, reason, attempts, next_attempt,
	seen_modified_at, identity_key, updated_at`

// Records returns the stored state of the given CRM ids in pipeline, keyed by CRM
// id; ids never seen are absent.
func (s *SQLite) Records(ctx context.Context, pipeline string, crmIDs []string) (map[string]RecordState, error) {
	out := make(map[string]RecordState, len(crmIDs))
	for start := 0; start < len(crmIDs); start += recordsChunk {
		chunk := crmIDs[start:min(start+recordsChunk, len(crmIDs))]
		if err := s.recordsChunk(ctx, pipeline, chunk, out); err != nil {
			return nil, fmt.Errorf("state: records of %s: %w", pipeline, err)
		}
	}
	return out, nil
}

func (s *SQLite) recordsChunk(ctx context.Context, pipeline string, ids []string, out map[string]RecordState) error {
	args := make([]any, 0, len(ids)+1)
	args = append(args, pipeline)
	for _, id := range ids {
		args = append(args, id)
	}
	marks := strings.Repeat(", ?", len(ids))[2:]
	rows, err := s.r.QueryContext(ctx, `SELECT `+recordColumns+` FROM records
		WHERE pipeline = ? AND crm_id IN (`+marks+`)`, args...)
	if err != nil {
		return err
	}
	return scanRecords(rows, func(r RecordState) { out[r.CRMID] = r })
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
		if err := rows.Scan(&r.Pipeline, &r.CRMID, &r.Status, &r.Class, &r.Reason, &r.Attempts,
			&next, &seen, &r.IdentityKey, &updated); err != nil {
			return err
		}
		r.NextAttempt, r.SeenModifiedAt, r.UpdatedAt = fromNullMS(next), fromNullMS(seen), fromMS(updated)
		fn(r)
	}
	return rows.Err()
}

// Owned returns, per field, the value of the latest ledger row (by write time, then
// insertion order) of one CRM record. A field whose latest row was erased by Forget
// is absent: leadsync can no longer prove what it wrote there.
func (s *SQLite) Owned(ctx context.Context, crmObject, crmID string) (map[string]string, error) {
	stmt, err := s.rs.get(ctx, `SELECT field, new_value FROM ledger
		WHERE crm_object = ? AND crm_id = ?
		ORDER BY field, written_at, id`)
	if err != nil {
		return nil, fmt.Errorf("state: owned fields of %s %s: %w", crmObject, crmID, err)
	}
	rows, err := stmt.QueryContext(ctx, crmObject, crmID)
	if err != nil {
		return nil, fmt.Errorf("state: owned fields of %s %s: %w", crmObject, crmID, err)
	}
	defer rows.Close()
	owned := map[string]string{}
	for rows.Next() {
		var (
			field string
			value sql.NullString
		)
		if err := rows.Scan(&field, &value); err != nil {
			return nil, fmt.Errorf("state: owned fields of %s %s: %w", crmObject, crmID, err)
		}
		if value.Valid {
			owned[field] = value.String // later rows overwrite earlier ones
		} else {
			delete(owned, field)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("state: owned fields of %s %s: %w", crmObject, crmID, err)
	}
	return owned, nil
}

// CommitPage stores the outcome of one page in one transaction: record states
// (upserted), ledger rows (appended) and, when c.Cursor is set, the new cursor.
// Zero UpdatedAt and WrittenAt are set to now; an empty Pipeline on a record or
// ledger row means c.Pipeline. With a Fence, it first checks in the same
// transaction that the fence still holds the pipeline's lease, else it writes
// nothing and returns an error wrapping ErrLeaseLost; a commit with nothing but
// a Fence is that check alone.
func (s *SQLite) CommitPage(ctx context.Context, c PageCommit) error {
	if c.Pipeline == "" {
		return errors.New("state: commit page: pipeline is required")
	}
	now := s.now()
	err := s.write(ctx, func(tx *sql.Tx) error {
		if err := s.checkFence(ctx, tx, c.Pipeline, c.Fence, now); err != nil {
			return err
		}
		if err := s.upsertRecords(ctx, tx, c.Pipeline, c.Records, now); err != nil {
			return err
		}
		if err := s.settlePending(ctx, tx, c.Pipeline, c.Settle); err != nil {
			return err
		}
		if err := s.insertLedger(ctx, tx, c.Pipeline, c.Ledger, now); err != nil {
			return err
		}
		if c.Cursor == nil {
			return nil
		}
		stmt, err := s.ws.inTx(ctx, tx, upsertCursorSQL)
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
