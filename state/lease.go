package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// acquireLeaseSQL takes the lease when it is free, released or expired (the next
// generation) or renews it for its owner (the same generation, even if it expired
// meanwhile: nobody else held it, so nothing needs fencing off). The WHERE leaves
// another owner's live lease untouched, and then RETURNING yields no row: that is
// the "held" answer, decided atomically. SET reads the row as it was.
const acquireLeaseSQL = `INSERT INTO leases (pipeline, owner, acquired_at, expires_at, generation)
	VALUES (?, ?, ?, ?, 1)
	ON CONFLICT (pipeline) DO UPDATE SET
		generation = leases.generation + CASE WHEN leases.owner <> excluded.owner THEN 1 ELSE 0 END,
		acquired_at = CASE WHEN leases.owner = excluded.owner
			THEN leases.acquired_at ELSE excluded.acquired_at END,
		owner = excluded.owner,
		expires_at = excluded.expires_at
	WHERE leases.owner = excluded.owner OR leases.expires_at <= excluded.acquired_at
	RETURNING generation, acquired_at, expires_at`

// currentLeaseSQL reads a lease row; CommitPage runs it for every fenced page.
const currentLeaseSQL = `SELECT owner, generation, acquired_at, expires_at FROM leases WHERE pipeline = ?`

// Acquire takes the lease of pipeline for owner until now+ttl when it is free,
// released or expired, or renews it when owner holds it, in one immediate
// transaction. When another owner's lease is live it returns a *LeaseHeldError.
func (s *store) Acquire(ctx context.Context, pipeline, owner string, ttl time.Duration) (Lease, error) {
	if pipeline == "" || owner == "" {
		return Lease{}, errors.New("state: acquire lease: pipeline and owner are required")
	}
	if ttl <= 0 {
		return Lease{}, fmt.Errorf("state: acquire lease of %s: ttl %v must be positive", pipeline, ttl)
	}
	now := s.now()
	l := Lease{Pipeline: pipeline, Owner: owner}
	err := s.write(ctx, func(tx *txn) error {
		var acquired, expires int64
		err := tx.QueryRowContext(ctx, acquireLeaseSQL, pipeline, owner, toMS(now), toMS(now.Add(ttl))).
			Scan(&l.Generation, &acquired, &expires)
		if errors.Is(err, sql.ErrNoRows) {
			held, _, err := s.currentLease(ctx, tx, pipeline)
			if err != nil {
				return err
			}
			return &LeaseHeldError{Pipeline: pipeline, Owner: held.Owner, Until: held.ExpiresAt}
		}
		l.AcquiredAt, l.ExpiresAt = fromMS(acquired), fromMS(expires)
		return err
	})
	if _, held := errors.AsType[*LeaseHeldError](err); err != nil && !held {
		return Lease{}, fmt.Errorf("state: acquire lease of %s: %w", pipeline, err)
	}
	return l, err
}

// AcquireLease is Acquire without the lease.
//
// Deprecated: use Acquire, whose Lease gives the Fence for CommitPage.
func (s *store) AcquireLease(ctx context.Context, pipeline, owner string, ttl time.Duration) error {
	_, err := s.Acquire(ctx, pipeline, owner, ttl)
	return err
}

// Renew extends f's lease to now+ttl if the lease row still has f's owner and
// generation, even if it expired meanwhile (nobody took it). Otherwise it returns
// an error wrapping ErrLeaseLost that says who holds the lease now.
func (s *store) Renew(ctx context.Context, f Fence, ttl time.Duration) (Lease, error) {
	if f.Pipeline == "" || f.Owner == "" {
		return Lease{}, errors.New("state: renew lease: the fence has no pipeline or owner")
	}
	if ttl <= 0 {
		return Lease{}, fmt.Errorf("state: renew lease of %s: ttl %v must be positive", f.Pipeline, ttl)
	}
	l := Lease{Pipeline: f.Pipeline, Owner: f.Owner, Generation: f.Generation}
	err := s.write(ctx, func(tx *txn) error {
		var acquired, expires int64
		err := tx.QueryRowContext(ctx, `UPDATE leases SET expires_at = ?
			WHERE pipeline = ? AND owner = ? AND generation = ? RETURNING acquired_at, expires_at`,
			toMS(s.now().Add(ttl)), f.Pipeline, f.Owner, f.Generation).Scan(&acquired, &expires)
		if errors.Is(err, sql.ErrNoRows) {
			now, found, err := s.currentLease(ctx, tx, f.Pipeline)
			if err != nil {
				return err
			}
			return lostError(f, now, found)
		}
		l.AcquiredAt, l.ExpiresAt = fromMS(acquired), fromMS(expires)
		return err
	})
	if err != nil {
		return Lease{}, fmt.Errorf("state: renew lease of %s: %w", f.Pipeline, err)
	}
	return l, nil
}

// ReleaseLease gives the lease of pipeline up. Only its owner may: a lease that
// another owner holds (say, after ours expired and was taken) gives a
// *LeaseHeldError. Releasing a lease that is not there is not an error.
func (s *store) ReleaseLease(ctx context.Context, pipeline, owner string) error {
	return s.write(ctx, func(tx *txn) error {
		if err := releaseLease(ctx, tx, pipeline, owner); err != nil {
			return fmt.Errorf("state: release lease of %s: %w", pipeline, err)
		}
		now, _, err := s.currentLease(ctx, tx, pipeline)
		if err != nil {
			return fmt.Errorf("state: release lease of %s: %w", pipeline, err)
		}
		if now.Owner != "" {
			return &LeaseHeldError{Pipeline: pipeline, Owner: now.Owner, Until: now.ExpiresAt}
		}
		return nil
	})
}

// BreakLease releases the lease of pipeline if owner holds it, live or not: the
// caller proved that owner's process is dead. It is no error if owner no longer
// holds it.
func (s *store) BreakLease(ctx context.Context, pipeline, owner string) error {
	err := s.write(ctx, func(tx *txn) error { return releaseLease(ctx, tx, pipeline, owner) })
	if err != nil {
		return fmt.Errorf("state: break lease of %s held by %s: %w", pipeline, owner, err)
	}
	return nil
}

// releaseLease frees owner's lease but keeps the row, and with it the generation.
func releaseLease(ctx context.Context, tx *txn, pipeline, owner string) error {
	_, err := tx.ExecContext(ctx, `UPDATE leases SET owner = '', expires_at = 0
		WHERE pipeline = ? AND owner = ? AND owner <> ''`, pipeline, owner)
	return err
}

// currentLease reads the lease row of pipeline; found is false when there is none.
func (s *store) currentLease(ctx context.Context, tx *txn, pipeline string) (l Lease, found bool, err error) {
	stmt, err := tx.stmt(ctx, currentLeaseSQL)
	if err != nil {
		return l, false, err
	}
	var acquired, expires int64
	l.Pipeline = pipeline
	err = stmt.QueryRowContext(ctx, pipeline).Scan(&l.Owner, &l.Generation, &acquired, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return l, false, nil
	}
	l.AcquiredAt, l.ExpiresAt = fromMS(acquired), fromMS(expires)
	return l, err == nil, err
}

// checkFence fails with ErrLeaseLost unless the lease of pipeline still has f's
// owner and generation and has not expired at now. It runs inside the commit's
// transaction, so no other holder can take over between the check and the writes.
func (s *store) checkFence(ctx context.Context, tx *txn, pipeline string, f Fence, now time.Time) error {
	if f == (Fence{}) {
		return nil
	}
	if f.Owner == "" || (f.Pipeline != "" && f.Pipeline != pipeline) {
		return fmt.Errorf("fence %+v does not fit a commit of pipeline %s", f, pipeline)
	}
	l, found, err := s.currentLease(ctx, tx, pipeline)
	if err != nil {
		return err
	}
	if found && l.Owner == f.Owner && l.Generation == f.Generation && l.ExpiresAt.After(now) {
		return nil
	}
	return lostError(f, l, found)
}
