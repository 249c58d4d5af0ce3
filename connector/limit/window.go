// Package limit holds the one-process limit a token bucket cannot express: at most
// N events in any span of a given length (Lusha's usage and webhooks allowances).
package limit

import (
	"context"
	"sync"
	"time"
)

// Window admits at most N events in any span of length Per. A token bucket cannot
// say that: a full bucket of 5 that refills one every 12 s lets 9 calls into the first
// minute. The zero clock (Now, Sleep) is the real one; tests may set their own. It is
// safe for concurrent use.
type Window struct {
	N   int
	Per time.Duration
	// Now and Sleep replace the clock and the timer; nil is time.Now and a timer.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error

	mu    sync.Mutex
	times []time.Time // the admitted events of the last span, oldest first
}

// NewWindow is a window of n events per span on the real clock.
func NewWindow(n int, per time.Duration) *Window { return &Window{N: n, Per: per} }

// Allow admits an event now if the span ending now has room.
func (w *Window) Allow() bool {
	_, ok := w.take()
	return ok
}

// Admit is Allow, for callers that pass a context to every limit.
func (w *Window) Admit(context.Context) bool { return w.Allow() }

// Wait admits an event as soon as there is room, or returns ctx's error.
func (w *Window) Wait(ctx context.Context) error {
	for {
		wait, ok := w.take()
		if ok {
			return nil
		}
		if err := w.sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// take admits an event now, or says how long until the oldest leaves the span.
func (w *Window) take() (time.Duration, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.now()
	gone := 0
	for gone < len(w.times) && !now.Before(w.times[gone].Add(w.Per)) {
		gone++
	}
	w.times = w.times[gone:]
	if len(w.times) < w.N {
		w.times = append(w.times, now)
		return 0, true
	}
	return w.times[0].Add(w.Per).Sub(now), false
}

func (w *Window) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

func (w *Window) sleep(ctx context.Context, d time.Duration) error {
	if w.Sleep != nil {
		return w.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
