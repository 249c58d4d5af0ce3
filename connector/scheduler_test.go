package connector

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/leadsync/leadsync/connector/cluster"
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

// fakeReplica records what a replicaTicker asks of its replica.
type fakeReplica struct {
	Replica
	sets    [][]cluster.Pipeline
	atStart []bool
	dead    string
}

func (f *fakeReplica) SetPipelines(ps []cluster.Pipeline, atStart bool) error {
	f.sets, f.atStart = append(f.sets, ps), append(f.atStart, atStart)
	return nil
}
func (f *fakeReplica) Alive(owner string) bool { return owner != f.dead }

// TestReplicaTicker: the replica gets the engine's pipelines with their run_on_start
// at start only; a tick runs the current engine's pipeline, a removed one is
// ErrNoPipeline, and none joins the runs once draining began; the runs' leases treat
// an owner the replica says is dead as dead.
func TestReplicaTicker(t *testing.T) {
	d := &Daemon{Logger: slog.New(slog.DiscardHandler), draining: make(chan struct{}), runCtx: t.Context(),
		locks: map[string]*sync.Mutex{}, running: map[string]bool{},
		stopped: map[string]string{"a": "stopped: a tick returns at once"}}
	rep := &fakeReplica{dead: "r/job-1.1"}
	tk := &replicaTicker{d: d, r: rep}
	on := true
	eng := &Engine{Config: &config.Config{Pipelines: []config.Pipeline{{Name: "a", RunOnStart: &on}}},
		Pipelines: []*Pipeline{{Name: "a", Schedule: "@every 1m"}, {Name: "b", Schedule: "@every 1h"}}}
	if err := tk.schedule(eng, &Runner{}, true); err != nil {
		t.Fatal(err)
	}
	if err := tk.schedule(eng, &Runner{}, false); err != nil {
		t.Fatal(err)
	}
	want := []cluster.Pipeline{{Name: "a", Schedule: "@every 1m", RunOnStart: true}, {Name: "b", Schedule: "@every 1h"}}
	if len(rep.sets) != 2 || !slices.Equal(rep.sets[0], want) || !slices.Equal(rep.atStart, []bool{true, false}) {
		t.Errorf("replica given %v (at start %v), want %v at start then on reload", rep.sets, rep.atStart, want)
	}
	if alive := tk.runner.Alive; alive("r/job-1.1") || !alive("r/job-1.2") {
		t.Error("the runs' Alive does not follow the replica's")
	}
	if err := tk.run(t.Context(), "gone", RunOptions{}); !errors.Is(err, cluster.ErrNoPipeline) {
		t.Errorf("tick of a removed pipeline: %v, want ErrNoPipeline", err)
	}
	if err := tk.run(t.Context(), "a", RunOptions{}); err != nil {
		t.Errorf("tick of a stopped pipeline: %v, want skipped", err)
	}
	<-d.drain()
	// b is not stopped: a run of it would reach the runner, which has no engine.
	if err := tk.run(t.Context(), "b", RunOptions{}); err != nil {
		t.Errorf("tick after draining: %v", err)
	}
}
