package connector

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/robfig/cron/v3"

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
