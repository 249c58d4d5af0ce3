package connector

import (
	"context"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/leadsync/leadsync/connector/config"
)

// TestSchedulerSurvivesPanics: a job that panics must run again on its next tick
// (the chain order SkipIfStillRunning → Recover; the other order stops it for ever).
func TestSchedulerSurvivesPanics(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := NewScheduler(slog.New(slog.NewTextHandler(io.Discard, nil)))
		var runs atomic.Int32
		if err := s.Add("boom", "@every 1s", func() {
			runs.Add(1)
			panic("boom")
		}); err != nil {
			t.Fatal(err)
		}
		s.Start()
		time.Sleep(3500 * time.Millisecond)
		synctest.Wait()
		if !s.Stop(context.Background()) {
			t.Fatal("stop did not finish")
		}
		if got := runs.Load(); got != 3 {
			t.Errorf("panicking job ran %d times in 3.5 s, want 3", got)
		}
	})
}

// TestSchedulerSkipsOverlap: a tick is dropped while the same job still runs.
func TestSchedulerSkipsOverlap(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := NewScheduler(slog.New(slog.NewTextHandler(io.Discard, nil)))
		var running, maxRunning, runs atomic.Int32
		_ = s.Add("slow", "@every 1s", func() {
			n := running.Add(1)
			if n > maxRunning.Load() {
				maxRunning.Store(n)
			}
			runs.Add(1)
			time.Sleep(2500 * time.Millisecond)
			running.Add(-1)
		})
		s.Start()
		time.Sleep(6 * time.Second)
		s.Stop(context.Background())
		if maxRunning.Load() != 1 {
			t.Errorf("%d runs overlapped", maxRunning.Load())
		}
		if runs.Load() < 2 {
			t.Errorf("job ran %d times, want at least 2", runs.Load())
		}
	})
}

// TestNextRunsAreKeyedByName: cron sorts its entries by next run, so a job added
// first may come last; each name must get its own schedule's next run.
func TestNextRunsAreKeyedByName(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := NewScheduler(slog.New(slog.DiscardHandler))
		for name, spec := range map[string]string{"hourly": "@every 1h", "minutely": "@every 1m", "daily": "@every 24h"} {
			if err := s.Add(name, spec, func() {}); err != nil {
				t.Fatal(err)
			}
		}
		s.Start()
		defer s.Stop(context.Background())
		synctest.Wait()
		now := time.Now()
		for name, every := range map[string]time.Duration{"hourly": time.Hour, "minutely": time.Minute, "daily": 24 * time.Hour} {
			if got := s.Next(name).Sub(now); got != every {
				t.Errorf("%s: next run in %v, want %v", name, got, every)
			}
		}
	})
}

func TestParseScheduleNeverPanics(t *testing.T) {
	for _, spec := range []string{"TZ=", "CRON_TZ=", "", "@every", "* * *"} {
		if _, err := config.ParseSchedule(spec); err == nil {
			t.Errorf("%q: want an error", spec)
		}
	}
	if _, err := config.ParseSchedule("@every 5m"); err != nil {
		t.Error(err)
	}
}
