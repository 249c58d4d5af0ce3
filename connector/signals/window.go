package signals

import (
	"context"
	"sync"
	"time"
)

// Window lets at most N calls start within any span of Per: Lusha counts the
// webhooks API's calls per account and minute. Its zero clock is the real one.
type Window struct {
	N     int
	Per   time.Duration
	Now   func() time.Time                                 // default time.Now
	Sleep func(ctx context.Context, d time.Duration) error // default a timer

	mu     sync.Mutex
	starts []time.Time // of the calls within the last Per, oldest first
}

// Wait blocks until a call may start, or ctx ends.
func (w *Window) Wait(ctx context.Context) error {
	for {
		wait := w.take()
		if wait <= 0 {
			return nil
		}
		if err := w.sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// take counts a call that may start now, or says how long until one may.
func (w *Window) take() time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.now()
	drop := 0
	for drop < len(w.starts) && !now.Before(w.starts[drop].Add(w.Per)) {
		drop++
	}
	w.starts = w.starts[drop:]
	if len(w.starts) < w.N {
		w.starts = append(w.starts, now)
		return 0
	}
	return w.starts[0].Add(w.Per).Sub(now)
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
