package cluster

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/leadsync/leadsync/connector/config"
	"github.com/leadsync/leadsync/connector/run"
	"github.com/leadsync/leadsync/state"
)

// Store stores a run's end and runs then in the same transaction: the PostgreSQL state
// store, whose transaction also completes the run's job.
type Store interface {
	FinishRunTx(ctx context.Context, r state.Run, then func(ctx context.Context, tx pgx.Tx) error) error
}

// RunFunc runs a pipeline once with opts (its lease owner and its Finish hook set by
// the cluster). It returns ErrNoPipeline for a pipeline it does not know; a run it
// skips (the pipeline stopped, say) returns nil without calling opts.Finish.
type RunFunc func(ctx context.Context, pipeline string, opts run.Options) error

// ErrNoPipeline is a tick of a pipeline the replica does not know (removed by a
// reload): its job is cancelled.
var ErrNoPipeline = errors.New("cluster: no such pipeline")

// Config is a cluster replica's configuration.
type Config struct {
	Pool  *pgxpool.Pool
	Store Store
	Run   RunFunc
	// ID names this replica in job attempts, leases and leader election; unique among
	// the replicas, without "/". Empty: River makes one up.
	ID string
	// LeaseTTL is the runs' lease_ttl; the job timeout and the rescue follow from it.
	LeaseTTL time.Duration
	// MaxWorkers is how many ticks this replica works at once (default 10).
	MaxWorkers int
	Logger     *slog.Logger // nil: silent

	testOnly bool // River's test mode: no start-up jitter
}

// Pipeline is a pipeline's schedule as the cluster ticks it.
type Pipeline struct {
	Name       string
	Schedule   string // a cron spec, as config.ParseSchedule reads it
	RunOnStart bool
}

// Cluster is one replica's River client: it works tick jobs and, while it leads,
// enqueues them.
type Cluster struct {
	client     *river.Client[pgx.Tx]
	pool       *pgxpool.Pool
	store      Store
	run        RunFunc
	log        *slog.Logger
	jobTimeout time.Duration

	stopOnce sync.Once
	stopping chan struct{} // closed when Stop begins: runs that end now hand back

	mu        sync.Mutex
	schedules map[string]river.PeriodicSchedule
}

// Timings derives River's job timeout and rescue delay from the lease TTL.
//
// A run's job times out after 5 lease TTLs (10 minutes for the default 2 min): its
// context ends, the run stops after its page and hands the job back, and the next
// worker carries on from the committed cursor. A long backfill is so a chain of short
// jobs, and River's rescuer, the only way it notices a worker that was killed, can be
// kept near: the pipeline of a killed replica waits 7 TTLs at most. A job still
// running 2 TTLs beyond its timeout belongs to a replica that died or stalled: by then
// its lease, no longer renewed, has expired too, so the rescued job's next worker takes
// the pipeline at once; and should the old worker still hold the lease, Alive says its
// attempt is dead, the lease is broken, and the old worker's next commit is refused.
func Timings(leaseTTL time.Duration) (jobTimeout, rescueAfter time.Duration) {
	if leaseTTL <= 0 {
		leaseTTL = 2 * time.Minute
	}
	jobTimeout = 5 * leaseTTL
	return jobTimeout, jobTimeout + 2*leaseTTL
}

// New builds a stopped replica on cfg.Pool, whose River schema Migrate made.
func New(cfg Config) (*Cluster, error) {
	if cfg.Pool == nil || cfg.Store == nil || cfg.Run == nil {
		return nil, errors.New("cluster: Pool, Store and Run are required")
	}
	if strings.Contains(cfg.ID, "/") {
		return nil, fmt.Errorf("cluster: replica id %q must not contain '/'", cfg.ID)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Cluster{pool: cfg.Pool, store: cfg.Store, run: cfg.Run, log: log,
		stopping: make(chan struct{}), schedules: map[string]river.PeriodicSchedule{}}
	jobTimeout, rescueAfter := Timings(cfg.LeaseTTL)
	c.jobTimeout = jobTimeout
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &tickWorker{c: c}); err != nil {
		return nil, fmt.Errorf("cluster: %w", err)
	}
	client, err := river.NewClient(riverpgxv5.New(cfg.Pool), &river.Config{
		ID:                   cfg.ID,
		Logger:               log.With("component", "river"),
		Queues:               map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cmp.Or(cfg.MaxWorkers, 10)}},
		Workers:              workers,
		JobTimeout:           jobTimeout,
		RescueStuckJobsAfter: rescueAfter,
		TestOnly:             cfg.testOnly,
	})
	if err != nil {
		return nil, fmt.Errorf("cluster: river client: %w", err)
	}
	c.client = client
	return c, nil
}

// ID is this replica's name in job attempts and leader election.
func (c *Cluster) ID() string { return c.client.ID() }

// Start starts working and, when elected, enqueueing ticks. ctx only bounds the start:
// the client runs until Stop.
func (c *Cluster) Start(ctx context.Context) error {
	if err := c.client.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("cluster: start: %w", err)
	}
	return nil
}

// SetPipelines replaces the periodic ticks with ps's. With atStart, the pipelines that
// run on start are enqueued at once (by whichever replica leads, each time one starts
// leading: uniqueness drops the duplicates); a reload only reschedules.
func (c *Cluster) SetPipelines(ps []Pipeline, atStart bool) error {
	jobs := make([]*river.PeriodicJob, 0, len(ps))
	schedules := make(map[string]river.PeriodicSchedule, len(ps))
	for _, p := range ps {
		sched, err := config.ParseSchedule(p.Schedule)
		if err != nil {
			return fmt.Errorf("cluster: pipeline %s: %w", p.Name, err)
		}
		args := TickArgs{Pipeline: p.Name}
		jobs = append(jobs, river.NewPeriodicJob(sched, func() (river.JobArgs, *river.InsertOpts) { return args, nil },
			&river.PeriodicJobOpts{RunOnStart: atStart && p.RunOnStart}))
		schedules[p.Name] = sched
	}
	bundle := c.client.PeriodicJobs()
	bundle.Clear()
	if _, err := bundle.AddManySafely(jobs); err != nil {
		return fmt.Errorf("cluster: periodic ticks: %w", err)
	}
	c.mu.Lock()
	c.schedules = schedules
	c.mu.Unlock()
	return nil
}

// Next is when p's next tick is due (zero if p is unknown), whichever replica
// enqueues it.
func (c *Cluster) Next(p string) time.Time {
	c.mu.Lock()
	sched := c.schedules[p]
	c.mu.Unlock()
	if sched == nil {
		return time.Time{}
	}
	return sched.Next(time.Now().UTC())
}

// Stopping ends new ticks for this replica: a run that ends from now on hands its job
// back instead of completing it. Stop follows.
func (c *Cluster) Stopping() { c.stopOnce.Do(func() { close(c.stopping) }) }

func (c *Cluster) stoppingNow() bool {
	select {
	case <-c.stopping:
		return true
	default:
		return false
	}
}

// hardStopWithin bounds the wait for jobs once their contexts are cancelled.
const hardStopWithin = 10 * time.Second

// Stop stops fetching jobs and waits for the ones in flight: their runs end after
// their page (the caller's runner stops them) and hand their jobs back. Once ctx ends,
// the jobs' contexts are cancelled and they are waited for a little longer.
func (c *Cluster) Stop(ctx context.Context) error {
	c.Stopping()
	err := c.client.Stop(ctx)
	if err == nil || ctx.Err() == nil {
		return err
	}
	c.log.Warn("ticks outlived the grace period; cancelling them")
	hardCtx, cancel := context.WithTimeout(context.Background(), hardStopWithin)
	defer cancel()
	if err := c.client.StopAndCancel(hardCtx); err != nil {
		return fmt.Errorf("cluster: stop: %w", err)
	}
	return nil
}
