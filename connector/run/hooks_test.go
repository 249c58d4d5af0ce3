package run

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/leadsync/leadsync/state"
)

// hookStore records who leases and what ends a run; a run fails at its first step.
type hookStore struct {
	Store
	acquiredBy, releasedBy, startedBy string
	finished                          []state.Run
}

var errFirstStep = errors.New("abandon runs: store down")

func (s *hookStore) Acquire(_ context.Context, pipeline, owner string, _ time.Duration) (state.Lease, error) {
	s.acquiredBy = owner
	return state.Lease{Pipeline: pipeline, Owner: owner, Generation: 1}, nil
}
func (s *hookStore) ReleaseLease(_ context.Context, _, owner string) error {
	s.releasedBy = owner
	return nil
}
func (s *hookStore) StartRun(_ context.Context, r state.Run) error {
	s.startedBy = r.Runner
	return nil
}
func (s *hookStore) AbandonRuns(context.Context, string, time.Time, string) (int, error) {
	return 0, errFirstStep
}
func (s *hookStore) PurgeExpired(context.Context, time.Time) (int, error) { return 0, nil }
func (s *hookStore) FinishRun(_ context.Context, r state.Run) error {
	s.finished = append(s.finished, r)
	return nil
}

func hookRunner(s *hookStore) *Runner {
	return &Runner{Store: s, Logger: slog.New(slog.DiscardHandler), Owner: "host/1/start"}
}

// TestRunHooksDefault: without hooks a run leases as the runner's owner and stores
// its end with FinishRun.
func TestRunHooksDefault(t *testing.T) {
	s := &hookStore{}
	_, err := hookRunner(s).Run(t.Context(), &Pipeline{Name: "p"}, Options{})
	if !errors.Is(err, errFirstStep) {
		t.Fatalf("run error %v, want %v", err, errFirstStep)
	}
	if s.acquiredBy != "host/1/start" || s.releasedBy != "host/1/start" {
		t.Errorf("lease taken by %q, released by %q; want the runner's owner", s.acquiredBy, s.releasedBy)
	}
	if len(s.finished) != 1 || s.finished[0].Status != "failed" {
		t.Errorf("FinishRun got %+v, want one failed run", s.finished)
	}
}

// TestRunHooksOwnerAndFinish: Options.Owner holds the lease instead of the runner's
// owner, and Options.Finish stores the end instead of FinishRun; its error is the
// run's.
func TestRunHooksOwnerAndFinish(t *testing.T) {
	s := &hookStore{}
	var got []state.Run
	errTx := errors.New("tx refused")
	opts := Options{Owner: "replica-a/job-7.2", Finish: func(ctx context.Context, r state.Run) error {
		if ctx.Err() != nil {
			t.Error("Finish got a done context")
		}
		got = append(got, r)
		return errTx
	}}
	_, err := hookRunner(s).Run(t.Context(), &Pipeline{Name: "p"}, opts)
	if !errors.Is(err, errTx) {
		t.Fatalf("run error %v, want the Finish hook's %v", err, errTx)
	}
	if s.acquiredBy != opts.Owner || s.releasedBy != opts.Owner || s.startedBy != opts.Owner {
		t.Errorf("lease taken by %q, released by %q, run recorded as %q's; want %q", s.acquiredBy, s.releasedBy,
			s.startedBy, opts.Owner)
	}
	if len(s.finished) != 0 {
		t.Errorf("FinishRun called %d times despite the Finish hook", len(s.finished))
	}
	if len(got) != 1 || got[0].Pipeline != "p" || got[0].Status != "failed" || got[0].FinishedAt.IsZero() {
		t.Errorf("Finish got %+v, want one finished, failed run of p", got)
	}
}
