package pgshare

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/time/rate"
)

// Bucket is a token bucket in one row, shared by every process that names it. Its
// rate and burst are the database's: a change made here (SetLimit, SetBurst writes
// both) goes with this process's next statement, at no extra round trip, and then
// holds for every process; a change made elsewhere is seen here after the next take.
// It is safe for concurrent use.
type Bucket struct {
	pool *pgxpool.Pool
	name string
	log  *slog.Logger

	mu      sync.Mutex
	limit   rate.Limit
	burst   int
	pending write  // what the next statement does with limit and burst
	gen     uint64 // counts the changes made here
}

// write says what a statement does with this process's rate and burst.
type write int

const (
	keep  write = iota // the database's stand
	lower              // the database's, unless this process's are lower
	set                // this process's replace the database's
)

func newBucket(pool *pgxpool.Pool, name string, r rate.Limit, burst int, log *slog.Logger) *Bucket {
	// A new process may lower the bucket to its configuration, which is a bound, but
	// not undo what another process's answers lowered it to: its own answers will
	// raise it through SetLimit if they say so.
	return &Bucket{pool: pool, name: name, log: log, limit: clampRate(r), burst: max(burst, 1), pending: lower}
}

// The update sets the row's settings as the caller's write says ($4), books the
// next slot and returns when it falls with the database's clock. Slot k of a bucket
// falls at tat_k − burst/rate (GCRA), so no span t admits more than rate×t + burst.
const (
	rateSQL  = `CASE $4::int WHEN 2 THEN excluded.rate WHEN 1 THEN least(b.rate, excluded.rate) ELSE b.rate END`
	burstSQL = `CASE $4::int WHEN 2 THEN excluded.burst WHEN 1 THEN least(b.burst, excluded.burst) ELSE b.burst END`

	takeSQL = `WITH now AS (SELECT clock_timestamp() AS t),
up AS (
	INSERT INTO leadsync_share_bucket AS b (name, rate, burst, tat)
	SELECT $1, $2, $3, t + make_interval(secs => 1 / $2::float8) FROM now
	ON CONFLICT (name) DO UPDATE SET rate = ` + rateSQL + `, burst = ` + burstSQL + `,
		tat = greatest(b.tat, (SELECT t FROM now)) + make_interval(secs => 1 / ` + rateSQL + `)
	RETURNING b.tat, b.rate, b.burst)
SELECT greatest(now.t, up.tat - make_interval(secs => up.burst / up.rate)), now.t, up.rate, up.burst FROM up, now`

	// drainSQL keeps the slot of the (n+1)th call from now, and with a pause ($6
	// seconds) the first, from falling before their time: tat never moves back.
	drainSQL = `WITH now AS (SELECT clock_timestamp() AS t)
INSERT INTO leadsync_share_bucket AS b (name, rate, burst, tat)
SELECT $1, $2, $3, greatest(t + make_interval(secs => ($3 - $5::int) / $2::float8),
	CASE WHEN $6::float8 > 0 THEN t + make_interval(secs => $6::float8 + ($3 - 1) / $2::float8) END) FROM now
ON CONFLICT (name) DO UPDATE SET rate = ` + rateSQL + `, burst = ` + burstSQL + `,
	tat = greatest(b.tat,
		(SELECT t FROM now) + make_interval(secs => (` + burstSQL + ` - $5::int) / ` + rateSQL + `),
		CASE WHEN $6::float8 > 0 THEN (SELECT t FROM now) + make_interval(secs => $6::float8 + (` + burstSQL + ` - 1) / ` + rateSQL + `) END)
RETURNING b.rate, b.burst`
)

// Wait takes a token, sleeping until its slot if the bucket is empty, or returns
// ctx's error. A slot booked by a wait that ctx ends is lost to everyone.
func (b *Bucket) Wait(ctx context.Context) error {
	_, err := b.admit(ctx)
	return err
}

// lateSlot is how late past its slot a waiter may still send. Later than that, the
// process stalled (a pause, SIGSTOP, a starved CPU) and its call would land beside the
// calls booked after it, crowding their window: it books a new slot instead.
const lateSlot = 200 * time.Millisecond

// admit takes a token and returns, at its slot, the slot's time by the database's
// clock.
func (b *Bucket) admit(ctx context.Context) (time.Time, error) {
	for {
		at, now, err := b.take(ctx)
		if err != nil {
			return time.Time{}, err
		}
		due := time.Now().Add(at.Sub(now)) // the slot on this process's monotonic clock
		if d := time.Until(due); d > 0 {
			t := time.NewTimer(d)
			select {
			case <-ctx.Done():
				t.Stop()
				return time.Time{}, ctx.Err()
			case <-t.C:
			}
		}
		if time.Since(due) <= lateSlot {
			return at, nil
		}
	}
}

// take books the next slot and returns it and the time of booking, by the database's
// clock.
func (b *Bucket) take(ctx context.Context) (at, now time.Time, err error) {
	err = b.exec(ctx, takeSQL, nil, &at, &now)
	return at, now, err
}

// Drain spends saved-up calls until at most n are left and, when pause > 0, admits
// none for that long. A failure is only logged: the server's own limit still refuses
// what a missed drain lets through.
func (b *Bucket) Drain(ctx context.Context, n int, pause time.Duration) {
	if err := b.exec(ctx, drainSQL, []any{max(n, 0), pause.Seconds()}); err != nil {
		b.log.Warn("shared limit not drained", "limit", b.name, "err", err)
	}
}

// exec runs a statement with the bucket's name and settings ($1–$4) and extra
// arguments, scanning into into before the rate and burst, which it remembers.
func (b *Bucket) exec(ctx context.Context, sql string, extra []any, into ...any) error {
	b.mu.Lock()
	limit, burst, pending, gen := b.limit, b.burst, b.pending, b.gen
	b.mu.Unlock()
	var r float64
	var n int
	args := append([]any{b.name, float64(limit), burst, int(pending)}, extra...)
	if err := b.pool.QueryRow(ctx, sql, args...).Scan(append(into, &r, &n)...); err != nil {
		return fmt.Errorf("shared limit %s: %w", b.name, err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.gen == gen { // else a newer setting waits for the next statement
		b.limit, b.burst, b.pending = rate.Limit(r), n, keep
	}
	return nil
}

// Limit is the rate as last set here or read from the database.
func (b *Bucket) Limit() rate.Limit {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.limit
}

// SetLimit changes the rate for every process, from this process's next take.
func (b *Bucket) SetLimit(r rate.Limit) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.limit, b.pending = clampRate(r), set
	b.gen++
}

// SetBurst changes the burst for every process, from this process's next take.
func (b *Bucket) SetBurst(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.burst, b.pending = max(n, 1), set
	b.gen++
}

// clampRate keeps a rate the table can hold: positive and finite.
func clampRate(r rate.Limit) rate.Limit {
	if r == rate.Inf || float64(r) > 1e9 {
		return 1e9
	}
	return rate.Limit(math.Max(float64(r), 1e-9))
}
