package cluster

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/leadsync/leadsync/connector/run"
	"github.com/leadsync/leadsync/state"
)

// abandonFails is the state store with a run's first step failing, so that a run is
// just its lease: taken, then released.
type abandonFails struct{ *state.SQLite }

var errFirstStep = errors.New("first step stops the run")

func (abandonFails) AbandonRuns(context.Context, string, time.Time, string) (int, error) {
	return 0, errFirstStep
}

// TestRescuedAttemptTakesTheLease: a run.Runner with the cluster's Alive waits out the
// lease of an attempt that still has its job, but once the job's attempt moved on it
// breaks the stale lease, and the stale holder's fence is refused from then on.
func TestRescuedAttemptTakesTheLease(t *testing.T) {
	pool := newDB(t)
	b := newBlocking()
	c := newCluster(t, pool, &txStore{pool: pool}, "a", b.run)
	res, err := c.client.Insert(t.Context(), TickArgs{Pipeline: "p"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	stale := (<-b.started).Owner
	defer close(b.release)
	sq, err := state.Open(t.Context(), filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer sq.Close()
	held, err := sq.Acquire(t.Context(), "p", stale, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	runner := &run.Runner{Store: abandonFails{sq}, Logger: slog.New(slog.DiscardHandler), Owner: "host/1/start",
		LeaseTTL: time.Minute, Alive: c.Alive}
	next := owner{replica: "b", job: res.Job.ID, attempt: 2}.String()

	_, err = runner.Run(t.Context(), &run.Pipeline{Name: "p"}, run.Options{Owner: next})
	if _, ok := errors.AsType[*state.LeaseHeldError](err); !ok {
		t.Fatalf("while the attempt still runs: run error %v, want the lease held", err)
	}
	if _, err := pool.Exec(t.Context(), `UPDATE river_job SET attempt = 2,
		attempted_by = array_append(attempted_by, 'b') WHERE id = $1`, res.Job.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := runner.Run(t.Context(), &run.Pipeline{Name: "p"}, run.Options{Owner: next}); !errors.Is(err, errFirstStep) {
		t.Fatalf("after the attempt moved on: run error %v, want the run to take the lease", err)
	}
	if _, err := sq.Renew(t.Context(), held.Fence(), time.Minute); !errors.Is(err, state.ErrLeaseLost) {
		t.Errorf("the stale holder renewed its fence (%v); want ErrLeaseLost", err)
	}
	if err := sq.CommitPage(t.Context(), state.PageCommit{Pipeline: "p", Fence: held.Fence()}); !errors.Is(err, state.ErrLeaseLost) {
		t.Errorf("the stale holder committed (%v); want ErrLeaseLost", err)
	}
	// Let the stale worker return: the newer attempt ends.
	if _, err := pool.Exec(t.Context(), `UPDATE river_job SET state = 'completed', finalized_at = now() WHERE id = $1`, res.Job.ID); err != nil {
		t.Fatal(err)
	}
}
