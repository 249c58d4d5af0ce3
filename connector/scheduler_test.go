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
		if err := s.Add("@every 1s", func() {
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
		_ = s.Add("@every 1s", func() {
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
