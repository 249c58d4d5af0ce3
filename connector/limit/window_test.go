package limit

import (
	"context"
	"testing"
	"testing/synctest"
	"time"
)

// stepClock is a clock whose Sleep moves it on at once.
type stepClock struct{ t time.Time }

func (c *stepClock) Now() time.Time { return c.t }

func (c *stepClock) Sleep(ctx context.Context, d time.Duration) error {
	c.t = c.t.Add(d)
	return ctx.Err()
}

// The window admits n events per span, then one each time the oldest leaves it.
func TestWindowAdmitsNPerSpan(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := NewWindow(5, time.Minute)
		for i := range 5 {
			if !w.Allow() {
				t.Fatalf("event %d refused in an empty span", i)
			}
			time.Sleep(time.Second)
		}
		if w.Allow() {
			t.Fatal("a sixth event admitted within the minute")
		}
		start := time.Now()
		if err := w.Wait(t.Context()); err != nil {
			t.Fatal(err)
		}
		if waited := time.Since(start); waited != 55*time.Second {
			t.Errorf("waited %v for the oldest event to leave the span, want 55s", waited)
		}
	})
}

// TestWindow: no more than N calls start within any span of Per.
func TestWindow(t *testing.T) {
	c := &stepClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	w := &Window{N: 3, Per: time.Minute, Now: c.Now, Sleep: c.Sleep}
	var starts []time.Time
	for range 10 {
		if err := w.Wait(t.Context()); err != nil {
			t.Fatal(err)
		}
		starts = append(starts, c.Now())
		c.t = c.t.Add(7 * time.Second)
	}
	for i := range starts[3:] {
		if d := starts[i+3].Sub(starts[i]); d < time.Minute {
			t.Errorf("calls %d and %d start %v apart; 4 calls within a minute", i, i+3, d)
		}
	}
}
