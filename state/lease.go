package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// AcquireLease takes the lease of pipeline for owner until now+ttl when it is free,
// expired or already owner's (a renewal), all in one immediate transaction;
// otherwise it returns ErrLeaseHeld.
func (s *SQLite) AcquireLease(ctx context.Context, pipeline, owner string, ttl time.Duration) error {
	if pipeline == "" || owner == "" {
		return errors.New("state: acquire lease: pipeline and owner are required")
	}
	if ttl <= 0 {
		return fmt.Errorf("state: acquire lease of %s: ttl %v must be positive", pipeline, ttl)
	}
	now := s.now()
	return s.write(ctx, func(tx *sql.Tx) error {
		// The upsert's WHERE leaves a live lease of another owner untouched, and
		// then no row changes: that is the "held" answer, decided atomically.
		res, err := tx.ExecContext(ctx, `INSERT INTO leases (pipeline, owner, acquired_at, expires_at)
			VALUES (?, ?, ?, ?)
			ON CONFLICT (pipeline) DO UPDATE SET
				acquired_at = CASE WHEN leases.owner = excluded.owner
					THEN leases.acquired_at ELSE excluded.acquired_at END,
				owner = excluded.owner,
				expires_at = excluded.expires_at
			WHERE leases.owner = excluded.owner OR leases.expires_at <= excluded.acquired_at`,
			pipeline, owner, toMS(now), toMS(now.Add(ttl)))
		if err != nil {
			return fmt.Errorf("state: acquire lease of %s: %w", pipeline, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("%w: pipeline %s", ErrLeaseHeld, pipeline)
		}
		return nil
	})
}

// ReleaseLease gives the lease of pipeline up. Only its owner may: a lease that
// another owner holds (say, after ours expired and was taken) gives ErrLeaseHeld.
// Releasing a lease that is not there is not an error.
func (s *SQLite) ReleaseLease(ctx context.Context, pipeline, owner string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM leases WHERE pipeline = ? AND owner = ?`,
			pipeline, owner); err != nil {
			return fmt.Errorf("state: release lease of %s: %w", pipeline, err)
		}
		var other string
		err := tx.QueryRowContext(ctx, `SELECT owner FROM leases WHERE pipeline = ?`, pipeline).Scan(&other)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return nil
		case err != nil:
			return fmt.Errorf("state: release lease of %s: %w", pipeline, err)
		default:
			return fmt.Errorf("%w: pipeline %s", ErrLeaseHeld, pipeline)
		}
	})
}
