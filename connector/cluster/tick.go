package cluster

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

	"github.com/leadsync/leadsync/connector/run"
	"github.com/leadsync/leadsync/state"
)

// TickKind is the tick jobs' kind in river_job.
const TickKind = "tick"

// TickArgs is a tick of one pipeline.
type TickArgs struct {
	Pipeline string `json:"pipeline"`
}

func (TickArgs) Kind() string { return TickKind }

// InsertOpts keeps one tick per pipeline waiting or running: a tick that comes while
// the previous one has not ended is dropped, whichever replica enqueues it. A failed
// tick is retried a few times (with River's backoff), then the next tick carries on.
func (TickArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 5, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
		rivertype.JobStateRetryable, rivertype.JobStateScheduled,
	}}}
}

type tickWorker struct {
	river.WorkerDefaults[TickArgs]
	c *Cluster
}

func (w *tickWorker) Timeout(*river.Job[TickArgs]) time.Duration { return w.c.jobTimeout }

// ending is what a tick's Finish hook did with the job.
type ending int

const (
	notEnded   ending = iota // the run did not reach its end (skipped, or failed before)
	completed                // the run's end and the job's completion committed together
	handedBack               // the run stopped early (shutdown, timeout): the job goes back
	superseded               // a newer attempt has the job: this worker is stale
)

func (w *tickWorker) Work(ctx context.Context, job *river.Job[TickArgs]) error {
	c := w.c
	own := owner{replica: c.client.ID(), job: job.ID, attempt: job.Attempt}
	end := notEnded
	opts := run.Options{Owner: own.String(), Finish: func(fctx context.Context, r state.Run) error {
		var err error
		end, err = c.finish(ctx, fctx, job, own, r)
		return err
	}}
	err := c.run(ctx, job.Args.Pipeline, opts)
	switch {
	case end == completed:
		return nil // the job is done; a run's own failure is the run's record's (and the daemon's log's)
	case end == handedBack:
		c.log.Info("run stopped early; tick handed back", "pipeline", job.Args.Pipeline, "job", job.ID)
		return river.JobSnooze(0)
	case end == superseded || !c.holdsNow(ctx, own):
		c.waitSuperseded(ctx, own, job.Args.Pipeline)
		return nil
	case errors.Is(err, ErrNoPipeline):
		return river.JobCancel(err)
	case c.stoppingNow() || ctx.Err() != nil:
		return river.JobSnooze(0) // the run did not start: another replica will
	}
	return err
}

// finish stores the run's end. The job is completed in the same transaction, unless
// the run stopped for shutdown or timeout (it is handed back) or a newer attempt took
// the job (it is left alone). jobCtx is the job's context, which carries River's
// client; ctx is the run's.
func (c *Cluster) finish(jobCtx, ctx context.Context, job *river.Job[TickArgs], own owner, r state.Run) (ending, error) {
	end := completed
	if c.stoppingNow() || jobCtx.Err() != nil {
		end = handedBack
	}
	err := c.store.FinishRunTx(ctx, r, func(ctx context.Context, tx pgx.Tx) error {
		ours, err := holds(ctx, tx, own, true)
		if err != nil {
			return err
		}
		if !ours {
			end = superseded
			return nil
		}
		if end == handedBack {
			return nil
		}
		if _, err := river.JobCompleteTx[*riverpgxv5.Driver](jobCtx, tx, job); err != nil {
			return fmt.Errorf("complete tick job %d: %w", job.ID, err)
		}
		return nil
	})
	if err != nil {
		return notEnded, err
	}
	return end, nil
}

// owner is a tick's lease owner: the replica and the job's attempt that runs it.
type owner struct {
	replica string
	job     int64
	attempt int
}

const jobSep = "/job-"

func (o owner) String() string {
	return o.replica + jobSep + strconv.FormatInt(o.job, 10) + "." + strconv.Itoa(o.attempt)
}

func parseOwner(s string) (owner, bool) {
	replica, rest, ok := strings.Cut(s, jobSep)
	if !ok || replica == "" || strings.Contains(replica, "/") {
		return owner{}, false
	}
	id, attempt, ok := strings.Cut(rest, ".")
	if !ok {
		return owner{}, false
	}
	o := owner{replica: replica}
	var err1, err2 error
	o.job, err1 = strconv.ParseInt(id, 10, 64)
	o.attempt, err2 = strconv.Atoi(attempt)
	return o, err1 == nil && err2 == nil
}

// querier is a pool or a transaction.
type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// holds reports whether own's attempt still has its job: the job runs, at that attempt,
// last fetched by that replica. River's completion is not fenced by attempt, so this
// is checked (and, in a transaction, the row locked) before the job is touched.
func holds(ctx context.Context, q querier, own owner, lock bool) (bool, error) {
	query := `SELECT state::text, attempt, coalesce(attempted_by, '{}') FROM river_job WHERE id = $1`
	if lock {
		query += ` FOR UPDATE`
	}
	var (
		st      string
		attempt int
		by      []string
	)
	err := q.QueryRow(ctx, query, own.job).Scan(&st, &attempt, &by)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read tick job %d: %w", own.job, err)
	}
	last := ""
	if len(by) > 0 {
		last = by[len(by)-1]
	}
	return st == string(rivertype.JobStateRunning) && attempt == own.attempt && last == own.replica, nil
}

// aliveWithin bounds Alive's query: a run waiting for a lease should not hang on it.
const aliveWithin = 5 * time.Second

// Alive reports whether a lease owner may still run, for run.Runner.Alive: a tick's
// owner is dead once its job no longer runs at its attempt (River rescued it and
// another attempt has it, or it ended), so that the new attempt breaks the stale
// lease. Other owners, and owners whose job cannot be read, are taken as alive.
func (c *Cluster) Alive(s string) bool {
	own, ok := parseOwner(s)
	if !ok {
		return true
	}
	ctx, cancel := context.WithTimeout(context.Background(), aliveWithin)
	defer cancel()
	ours, err := holds(ctx, c.pool, own, false)
	if err != nil {
		c.log.Warn("cannot tell whether a lease's tick still runs; taking it as alive", "owner", s, "err", err)
		return true
	}
	return ours
}

func (c *Cluster) holdsNow(ctx context.Context, own owner) bool {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), aliveWithin)
	defer cancel()
	ours, err := holds(ctx, c.pool, own, false)
	return ours || err != nil
}

// supersededPoll is how often a stale worker looks whether the newer attempt ended.
const supersededPoll = time.Second

// waitSuperseded holds a stale worker until its job no longer runs (under the newer
// attempt): River would otherwise apply this worker's result to the newer attempt's
// job (its state update is not fenced by attempt). It ends early when ctx does (hard
// stop).
func (c *Cluster) waitSuperseded(ctx context.Context, own owner, pipeline string) {
	c.log.Warn("tick taken over by a newer attempt; this worker stops", "pipeline", pipeline, "owner", own.String())
	t := time.NewTicker(supersededPoll)
	defer t.Stop()
	for {
		var st string
		err := c.pool.QueryRow(ctx, `SELECT state::text FROM river_job WHERE id = $1`, own.job).Scan(&st)
		if errors.Is(err, pgx.ErrNoRows) || err == nil && st != string(rivertype.JobStateRunning) {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
