package run

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/leadsync/leadsync/state"
)

// pruneStore records the prunes asked of it; the rest of Store is never called.
type pruneStore struct {
	Store
	calls []state.Retention
	err   error
}

func (s *pruneStore) Prune(_ context.Context, r state.Retention, _ time.Time) (state.PruneReport, error) {
	s.calls = append(s.calls, r)
	return state.PruneReport{}, s.err
}

func TestPruneAfterRuns(t *testing.T) {
	keep := state.Retention{KeepRuns: 2160 * time.Hour, KeepLedger: 720 * time.Hour}
	t0 := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)
	newRun := func(st Store, h *History, opts Options, stopping chan struct{}) *run {
		r := &Runner{Store: st, History: h, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Stopping: stopping}
		return &run{Runner: r, opts: opts, log: r.Logger}
	}
	t.Run("at most once per Every, across runs", func(t *testing.T) {
		st := &pruneStore{}
		h := &History{Keep: keep, Every: time.Hour}
		for _, at := range []time.Duration{0, time.Minute, 59 * time.Minute, time.Hour, 90 * time.Minute, 2 * time.Hour} {
			newRun(st, h, Options{}, nil).prune(context.Background(), t0.Add(at))
		}
		if len(st.calls) != 3 || st.calls[0] != keep {
			t.Errorf("prunes %v, want 3 with %v", st.calls, keep)
		}
	})
	t.Run("not after a dry run, at shutdown, or without history", func(t *testing.T) {
		st := &pruneStore{}
		stopped := make(chan struct{})
		close(stopped)
		cancelled, cancel := context.WithCancel(context.Background())
		cancel()
		newRun(st, &History{Keep: keep}, Options{DryRun: true}, nil).prune(context.Background(), t0)
		newRun(st, &History{Keep: keep}, Options{}, stopped).prune(context.Background(), t0)
		newRun(st, &History{Keep: keep}, Options{}, nil).prune(cancelled, t0)
		newRun(st, nil, Options{}, nil).prune(context.Background(), t0)
		if len(st.calls) != 0 {
			t.Errorf("pruned %d times", len(st.calls))
		}
	})
	t.Run("a failed prune does not fail the run", func(t *testing.T) {
		st := &pruneStore{err: errors.New("disk full")}
		newRun(st, &History{Keep: keep}, Options{}, nil).prune(context.Background(), t0)
		if len(st.calls) != 1 {
			t.Errorf("pruned %d times", len(st.calls))
		}
	})
}
