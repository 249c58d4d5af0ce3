package connector

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/leadsync/leadsync/connector/cluster"
	"github.com/leadsync/leadsync/connector/config"
)

// Scheduler runs each pipeline on its cron schedule, in UTC, one run at a time per
// pipeline. It hides robfig/cron behind a small surface so that it can be replaced.
type Scheduler struct {
	cron *cron.Cron
	log  *slog.Logger
	// entries keys cron's entries by name: cron sorts its entries by next run, so
	// their order says nothing about which is which.
	entries map[string]cron.EntryID
}

// cronLogger adapts slog to cron's logr-style interface; cron's info lines are debug here.
type cronLogger struct{ l *slog.Logger }

func (c cronLogger) Info(msg string, kv ...any) { c.l.Debug(msg, kv...) }
func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.l.Error(msg, append(kv, "err", err)...)
}

// NewScheduler builds a stopped scheduler. SkipIfStillRunning must wrap Recover, not the
// other way round: with Recover outside, one panic keeps a job from ever running again
// (robfig/cron#366).
func NewScheduler(log *slog.Logger) *Scheduler {
	lg := cronLogger{log.With("component", "scheduler")}
	return &Scheduler{log: log, entries: map[string]cron.EntryID{}, cron: cron.New(
		cron.WithLocation(time.UTC),
		cron.WithLogger(lg),
		cron.WithChain(cron.SkipIfStillRunning(lg), cron.Recover(lg)),
	)}
}

// Add schedules job on spec (validated at config load) under name.
func (s *Scheduler) Add(name, spec string, job func()) error {
	sched, err := config.ParseSchedule(spec)
	if err != nil {
		return err
	}
	if _, dup := s.entries[name]; dup {
		return fmt.Errorf("scheduler: %s added twice", name)
	}
	s.entries[name] = s.cron.Schedule(sched, cron.FuncJob(job))
	return nil
}

// Next returns when the named job runs next (zero if unknown or not started).
func (s *Scheduler) Next(name string) time.Time {
	id, ok := s.entries[name]
	if !ok {
		return time.Time{}
	}
	return s.cron.Entry(id).Next
}

func (s *Scheduler) Start() { s.cron.Start() }

// StopTicks stops new ticks without waiting for running jobs; the caller waits for
// them in its own way (the daemon, within its grace period).
func (s *Scheduler) StopTicks() { s.cron.Stop() }

// Stop stops new ticks and waits for running jobs until ctx ends; it reports whether
// they all finished.
func (s *Scheduler) Stop(ctx context.Context) bool {
	done := s.cron.Stop()
	select {
	case <-done.Done():
		return true
	case <-ctx.Done():
		return false
	}
}

// ticker starts the daemon's runs on the pipelines' schedules: cronTicker in one
// process, replicaTicker in a cluster.
type ticker interface {
	// schedule replaces the schedules with eng's pipelines', run by runner; at start it
	// also has the pipelines that run on start (run_on_start) run at once.
	schedule(eng *Engine, runner *Runner, atStart bool) error
	next(pipeline string) time.Time
	// stopTicks ends new ticks; the daemon waits for the runs going.
	stopTicks()
	// wait returns once the ticker stopped; it follows the runs' end (or cancel).
	wait()
}

// cronTicker ticks the pipelines in this process, on a Scheduler replaced at every
// reload.
type cronTicker struct {
	d     *Daemon
	mu    sync.Mutex
	sched *Scheduler
}

func (c *cronTicker) schedule(eng *Engine, runner *Runner, atStart bool) error {
	sched := NewScheduler(c.d.Logger)
	for _, p := range eng.Pipelines {
		if err := sched.Add(p.Name, p.Schedule, func() { c.d.runOnce(runner, p) }); err != nil {
			return err
		}
	}
	c.mu.Lock()
	old := c.sched
	c.sched = sched
	c.mu.Unlock()
	sched.Start()
	if old != nil {
		old.StopTicks() // its running jobs finish; the daemon waits for them
	}
	if atStart {
		for _, p := range eng.Pipelines {
			if eng.Config.RunsOnStart(p.Name) {
				c.d.runAtStart(runner, p)
			}
		}
	}
	return nil
}

func (c *cronTicker) next(p string) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sched == nil {
		return time.Time{}
	}
	return c.sched.Next(p)
}

func (c *cronTicker) stopTicks() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sched != nil {
		c.sched.StopTicks()
	}
}

func (c *cronTicker) wait() {}

// Replica is this process's part of a cluster (connector/cluster.Cluster): the
// cluster's periodic jobs tick the pipelines, and any replica runs a tick.
type Replica interface {
	// SetPipelines replaces the ticked pipelines; atStart honours their RunOnStart.
	SetPipelines(ps []cluster.Pipeline, atStart bool) error
	Next(pipeline string) time.Time
	// Alive reports whether a lease owner may still run (a tick's owner is dead once
	// its job's attempt moved on).
	Alive(owner string) bool
	Start(ctx context.Context) error
	// Stopping makes the runs that end from now on hand their ticks back; Stop then
	// waits for them, and cancels them once ctx ends.
	Stopping()
	Stop(ctx context.Context) error

	// For the status page: this replica's name, the leader's, the latest ticks.
	ID() string
	Leader(ctx context.Context) (string, error)
	Ticks(ctx context.Context, limit int) ([]cluster.Tick, error)
}

var _ Replica = (*cluster.Cluster)(nil)

// replicaTicker ticks the pipelines through a cluster's replica: it runs the ticks
// the replica is given, on the current engine.
type replicaTicker struct {
	d       *Daemon
	r       Replica
	stopped chan struct{}

	mu     sync.Mutex
	eng    *Engine
	runner *Runner
}

func (t *replicaTicker) schedule(eng *Engine, runner *Runner, atStart bool) error {
	alive := runner.Alive
	runner.Alive = func(owner string) bool { return t.r.Alive(owner) && (alive == nil || alive(owner)) }
	ps := make([]cluster.Pipeline, 0, len(eng.Pipelines))
	for _, p := range eng.Pipelines {
		ps = append(ps, cluster.Pipeline{Name: p.Name, Schedule: p.Schedule, RunOnStart: eng.Config.RunsOnStart(p.Name)})
	}
	// The engine first: a tick of a new pipeline may come as soon as it is scheduled.
	t.mu.Lock()
	oldEng, oldRunner := t.eng, t.runner
	t.eng, t.runner = eng, runner
	t.mu.Unlock()
	if err := t.r.SetPipelines(ps, atStart); err != nil {
		t.mu.Lock()
		t.eng, t.runner = oldEng, oldRunner
		t.mu.Unlock()
		return err
	}
	return nil
}

// run is the replica's RunFunc: it runs a tick of the named pipeline on the current
// engine as one of the daemon's runs. Once shutdown began it runs nothing, and the
// replica hands the tick back.
func (t *replicaTicker) run(ctx context.Context, name string, opts RunOptions) error {
	t.mu.Lock()
	eng, runner := t.eng, t.runner
	t.mu.Unlock()
	var p *Pipeline
	if eng != nil {
		if i := slices.IndexFunc(eng.Pipelines, func(p *Pipeline) bool { return p.Name == name }); i >= 0 {
			p = eng.Pipelines[i]
		}
	}
	if p == nil {
		return fmt.Errorf("pipeline %s: %w", name, cluster.ErrNoPipeline)
	}
	if !t.d.join() {
		return nil
	}
	defer t.d.runs.Done()
	// The daemon cancels its runs once they outlive the grace period.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(t.d.runCtx, cancel)()
	return t.d.run(ctx, runner, p, opts)
}

func (t *replicaTicker) next(p string) time.Time { return t.r.Next(p) }

// stopTicks has the replica hand back the ticks that end from now on and stop
// fetching; the replica's stop ends once the runs did, or is forced once the daemon
// cancels them (runCtx).
func (t *replicaTicker) stopTicks() {
	t.r.Stopping()
	t.stopped = make(chan struct{})
	go func() {
		defer close(t.stopped)
		if err := t.r.Stop(t.d.runCtx); err != nil {
			t.d.Logger.Error("cluster replica did not stop cleanly", "err", err)
		}
	}()
}

func (t *replicaTicker) wait() { <-t.stopped }
