package account

import (
	"context"
	"sync"
	"time"
)

// window admits at most n events in any span of length per. GET /v3/account/usage is
// allowed 5 calls a minute (reference §3, §5.15); a token bucket cannot say that: a
// full bucket of 5 that refills one every 12 s lets 9 calls into the first minute.
type window struct {
	n   int
	per time.Duration

	mu    sync.Mutex
	times []time.Time // the admitted events of the last span, oldest first
}

func newWindow(n int, per time.Duration) *window { return &window{n: n, per: per} }

// Allow admits an event now if the span ending now has room.
func (w *window) Allow() bool {
	_, ok := w.take(time.Now())
	return ok
}

// Wait admits an event as soon as there is room, or returns ctx's error.
func (w *window) Wait(ctx context.Context) error {
	for {
		wait, ok := w.take(time.Now())
		if ok {
			return nil
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// take admits an event at now, or says how long until the oldest leaves the span.
func (w *window) take(now time.Time) (time.Duration, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	gone := 0
	for gone < len(w.times) && !now.Before(w.times[gone].Add(w.per)) {
		gone++
	}
	w.times = w.times[gone:]
	if len(w.times) < w.n {
		w.times = append(w.times, now)
		return 0, true
	}
	return w.times[0].Add(w.per).Sub(now), false
}
