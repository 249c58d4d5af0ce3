package pgshare

import (
	"cmp"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/time/rate"

	"github.com/leadsync/leadsync/connector/account"
)

// DefaultBookingTTL outlasts a Lusha call with its retries and the saving of its
// spend, which end with the booking's release; only a killed replica's bookings live
// that long.
const DefaultBookingTTL = 15 * time.Minute

// Options configure Limits.
type Options struct {
	// BookingTTL is how long a credit booking holds when its replica never releases
	// it; 0: DefaultBookingTTL.
	BookingTTL time.Duration
	// Logger hears of failures that only cost accuracy (a release or a drain that did
	// not reach the database); nil: none.
	Logger *slog.Logger
}

// Limits makes the limits shared through one database; Migrate must have created its
// tables. Give it to account.New as Options.Shared.
type Limits struct {
	pool *pgxpool.Pool
	ttl  time.Duration
	log  *slog.Logger
}

var _ account.Shared = (*Limits)(nil)

// New returns the limits kept in pool's database. The pool needs room for two
// connections per process: a booking reads the ledger while it holds its lock.
func New(pool *pgxpool.Pool, o Options) *Limits {
	return &Limits{pool: pool, ttl: cmp.Or(o.BookingTTL, DefaultBookingTTL),
		log: cmp.Or(o.Logger, slog.New(slog.DiscardHandler))}
}

// Bucket returns the token bucket called name.
func (l *Limits) Bucket(name string, perSecond rate.Limit, burst int) account.Bucket {
	return newBucket(l.pool, name, perSecond, burst, l.log)
}

// Window returns the sliding window called name.
func (l *Limits) Window(name string, n int, per time.Duration) account.Gate {
	return &Window{pool: l.pool, name: name, n: n, per: per, log: l.log}
}

// Bookings returns the credit bookings called name.
func (l *Limits) Bookings(name string) account.Bookings {
	return &Bookings{pool: l.pool, name: name, ttl: l.ttl, log: l.log, turn: make(chan struct{}, 1)}
}
