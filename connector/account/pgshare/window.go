package pgshare

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Window admits at most n events in any span of length per, for every process that
// names it. A token bucket cannot say that (see account's window); the row keeps the
// times of the events still inside the span instead, and the upsert that adds one
// runs on the row's latest version under its lock, so that concurrent takes never
// both see the last place free. It is safe for concurrent use.
type Window struct {
	pool *pgxpool.Pool
	name string
	n    int
	per  time.Duration
	log  *slog.Logger
}

// windowSQL admits an event when the span ending at its time holds fewer than $2.
// The event's time is the later of the statement's clock and the row's latest event:
// a statement that waited for the row's lock must not slip an event in before one
// admitted meanwhile, which would crowd a span that was already checked.
const windowSQL = `WITH now AS (SELECT clock_timestamp() AS t),
up AS (
	INSERT INTO leadsync_share_window AS w (name, times, last_at, last_ok) SELECT $1, ARRAY[t], t, true FROM now
	ON CONFLICT (name) DO UPDATE SET (times, last_at, last_ok) = (
		SELECT CASE WHEN cardinality(k.kept) < $2 THEN k.kept || s.t ELSE k.kept END, s.t, cardinality(k.kept) < $2
		FROM (SELECT greatest((SELECT t FROM now), (SELECT max(x) FROM unnest(w.times) x)) AS t) s,
		LATERAL (SELECT coalesce(array_agg(x ORDER BY x), '{}') AS kept
			FROM unnest(w.times) x WHERE x > s.t - make_interval(secs => $3)) k)
	RETURNING w.times, w.last_at, w.last_ok)
SELECT up.last_ok, up.last_at,
	extract(epoch FROM up.times[1] + make_interval(secs => $3) - up.last_at)::float8
FROM up`

// take admits an event now if the span ending now has room, and says when (by the
// database's clock) or else how long until the oldest event leaves the span.
func (w *Window) take(ctx context.Context) (ok bool, at time.Time, wait time.Duration, err error) {
	var secs float64
	err = w.pool.QueryRow(ctx, windowSQL, w.name, w.n, w.per.Seconds()).Scan(&ok, &at, &secs)
	if err != nil {
		return false, time.Time{}, 0, fmt.Errorf("shared window %s: %w", w.name, err)
	}
	return ok, at, time.Duration(secs * float64(time.Second)), nil
}

// Wait admits an event as soon as there is room, or returns ctx's error.
func (w *Window) Wait(ctx context.Context) error {
	_, err := w.admit(ctx)
	return err
}

func (w *Window) admit(ctx context.Context) (time.Time, error) {
	for {
		ok, at, wait, err := w.take(ctx)
		if err != nil || ok {
			return at, err
		}
		t := time.NewTimer(max(wait, time.Millisecond))
		select {
		case <-ctx.Done():
			t.Stop()
			return time.Time{}, ctx.Err()
		case <-t.C:
		}
	}
}

// Admit admits an event now if there is room. An unreachable database admits
// nothing: the event is one that may be skipped.
func (w *Window) Admit(ctx context.Context) bool {
	ok, _, _, err := w.take(ctx)
	if err != nil {
		w.log.Warn("shared window unreachable", "limit", w.name, "err", err)
	}
	return ok
}
