package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// The reads below serve `leadsync status` and `leadsync retry`. They are methods of
// the backends (see Backend) only until the connector needs them through Store.

// RecordCounts counts the records of pipeline ("" for all) by status, then by
// error class ("" for none).
func (s *store) RecordCounts(ctx context.Context, pipeline string) (map[string]map[string]int, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT status, class, count(*) FROM records
		WHERE ? = '' OR pipeline = ? GROUP BY status, class`, pipeline, pipeline)
	if err != nil {
		return nil, fmt.Errorf("state: record counts: %w", err)
	}
	defer rows.Close()
	counts := map[string]map[string]int{}
	for rows.Next() {
		var (
			status, class string
			n             int
		)
		if err := rows.Scan(&status, &class, &n); err != nil {
			return nil, fmt.Errorf("state: record counts: %w", err)
		}
		if counts[status] == nil {
			counts[status] = map[string]int{}
		}
		counts[status][class] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("state: record counts: %w", err)
	}
	return counts, nil
}

// Parked returns up to limit (all when <= 0) parked records of pipeline, the next
// due first; records without a retry time come last.
func (s *store) Parked(ctx context.Context, pipeline string, limit int) ([]RecordState, error) {
	return s.queryRecords(ctx, "parked", `WHERE (? = '' OR pipeline = ?) AND status = 'parked'
		ORDER BY next_attempt IS NULL, next_attempt, crm_id LIMIT ?`, pipeline, pipeline, s.limit(limit))
}

// Due is DueOf for the CRM account "".
//
// Deprecated: use DueOf: record ids collide across CRM accounts.
func (s *store) Due(ctx context.Context, pipeline string, now time.Time, limit int) ([]RecordState, error) {
	return s.DueOf(ctx, pipeline, "", now, limit)
}

// DueOf returns up to limit (all when <= 0) parked or pending records of a
// pipeline's CRM account whose retry time has come at now, the longest waiting
// first. Records of unknown outcome are not due: a read-back settles them.
func (s *store) DueOf(ctx context.Context, pipeline, account string, now time.Time, limit int) ([]RecordState, error) {
	return s.queryRecords(ctx, "due", `WHERE pipeline = ? AND crm_account = ? AND status IN ('parked', 'pending')
		AND next_attempt <= ? ORDER BY next_attempt, crm_id LIMIT ?`, pipeline, account, toMS(now), s.limit(limit))
}

func (s *store) queryRecords(ctx context.Context, what, where string, args ...any) ([]RecordState, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+recordColumns+` FROM records `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("state: %s records: %w", what, err)
	}
	var out []RecordState
	if err := scanRecords(rows, func(r RecordState) { out = append(out, r) }); err != nil {
		return nil, fmt.Errorf("state: %s records: %w", what, err)
	}
	return out, nil
}

// ReleaseParked makes the parked records of pipeline (of one error class, or all
// when class is "") due at now, for `leadsync retry`, and returns how many.
func (s *store) ReleaseParked(ctx context.Context, pipeline, class string, now time.Time) (int, error) {
	var n int64
	err := s.write(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `UPDATE records SET next_attempt = ?, updated_at = ?
			WHERE pipeline = ? AND status = 'parked' AND (? = '' OR class = ?)`,
			toMS(now), toMS(s.now()), pipeline, class, class)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("state: release parked records of %s: %w", pipeline, err)
	}
	return int(n), nil
}

// PipelineStats is what `leadsync status` shows for one pipeline.
type PipelineStats struct {
	Pipeline        string
	Cursor          string
	CursorUpdatedAt time.Time // zero: no cursor yet
	LeaseOwner      string    // "" when no lease row or released
	LeaseExpiresAt  time.Time // zero when LeaseOwner is ""
	LeaseGeneration int64
	LastRun         *Run                      // nil before the first run
	Records         map[string]map[string]int // status → class → count
}

// Stats gathers the status of one pipeline.
func (s *store) Stats(ctx context.Context, pipeline string) (PipelineStats, error) {
	st := PipelineStats{Pipeline: pipeline}
	var curAt, leaseExp sql.NullInt64
	err := s.r.QueryRowContext(ctx, `SELECT
			COALESCE((SELECT cursor FROM cursors WHERE pipeline = ?1), ''),
			(SELECT updated_at FROM cursors WHERE pipeline = ?1),
			COALESCE((SELECT owner FROM leases WHERE pipeline = ?1), ''),
			(SELECT NULLIF(expires_at, 0) FROM leases WHERE pipeline = ?1),
			COALESCE((SELECT generation FROM leases WHERE pipeline = ?1), 0)`, pipeline).
		Scan(&st.Cursor, &curAt, &st.LeaseOwner, &leaseExp, &st.LeaseGeneration)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return st, fmt.Errorf("state: stats of %s: %w", pipeline, err)
	}
	st.CursorUpdatedAt, st.LeaseExpiresAt = fromNullMS(curAt), fromNullMS(leaseExp)
	runs, err := s.Runs(ctx, pipeline, 1)
	if err != nil {
		return st, err
	}
	if len(runs) == 1 {
		st.LastRun = &runs[0]
	}
	st.Records, err = s.RecordCounts(ctx, pipeline)
	return st, err
}
