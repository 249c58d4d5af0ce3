package pgshare

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// bookingLock is the class of the advisory locks that serialise bookings ("lsbk").
const bookingLock int32 = 0x6c73626b

// releaseTimeout bounds a release, which its caller cannot wait on.
const releaseTimeout = 30 * time.Second

// Bookings keeps credit reservations as rows, so that a daily cap holds for every
// process that books under one name. A row expires on its own after the TTL, so that
// a killed process's bookings free themselves. It is safe for concurrent use.
type Bookings struct {
	pool *pgxpool.Pool
	name string
	ttl  time.Duration
	log  *slog.Logger
	// turn lets one Book of this process at a time hold a connection: the lock holder
	// needs a second one for grant's ledger read, which waiters holding the rest of
	// the pool could otherwise starve.
	turn chan struct{}
}

// Book runs grant with the credits that live bookings hold, under a lock that every
// process's Book of this name takes, and books what grant returns. grant should read
// the spend persisted so far: it runs after the bookings are summed, so that a spend
// persisted and released meanwhile is counted at least once.
func (b *Bookings) Book(ctx context.Context, grant func(ctx context.Context, booked int) (int, error)) (int, func(), error) {
	select {
	case b.turn <- struct{}{}:
	case <-ctx.Done():
		return 0, func() {}, ctx.Err()
	}
	defer func() { <-b.turn }()
	var id int64
	var granted int
	err := pgx.BeginFunc(ctx, b.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, bookingLock, b.name); err != nil {
			return err
		}
		var booked int
		if err := tx.QueryRow(ctx, `WITH gone AS (
				DELETE FROM leadsync_share_booking WHERE name = $1 AND expires_at <= clock_timestamp())
			SELECT coalesce(sum(credits), 0) FROM leadsync_share_booking
			WHERE name = $1 AND expires_at > clock_timestamp()`, b.name).Scan(&booked); err != nil {
			return err
		}
		var err error
		if granted, err = grant(ctx, booked); err != nil || granted <= 0 {
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO leadsync_share_booking (name, credits, expires_at)
			VALUES ($1, $2, clock_timestamp() + make_interval(secs => $3)) RETURNING id`,
			b.name, granted, b.ttl.Seconds()).Scan(&id)
	})
	if err != nil {
		return 0, func() {}, fmt.Errorf("book credits: %w", err)
	}
	if granted <= 0 {
		return 0, func() {}, nil
	}
	var once sync.Once
	return granted, func() { once.Do(func() { b.release(id) }) }, nil
}

// release deletes a booking. A failure is only logged: the booking then holds its
// credits until it expires, which errs on the side of the cap.
func (b *Bookings) release(id int64) {
	ctx, cancel := context.WithTimeout(context.Background(), releaseTimeout)
	defer cancel()
	_, err := b.pool.Exec(ctx, `DELETE FROM leadsync_share_booking WHERE id = $1`, id)
	if err != nil {
		b.log.Warn("credit booking not released; it holds until it expires", "bookings", b.name, "err", err)
	}
}
