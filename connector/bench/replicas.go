package bench

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/leadsync/leadsync/connector"
	"github.com/leadsync/leadsync/connector/config"
	"github.com/leadsync/leadsync/state"
)

// ReplicaOptions say what RunReplicas measures. Zero values take the defaults.
type ReplicaOptions struct {
	// Replicas is N, the `leadsync run` processes sharing one PostgreSQL database
	// (default 3).
	Replicas int
	// Pipelines is P, the HubSpot pipelines (default 12), spread over Portals portals
	// (default min(3, P)); each pipeline reads its own share of a portal's contacts.
	Pipelines, Portals int
	// Leads are all the pipelines' leads together (default 20,000).
	Leads int
	// Seed makes the synthetic world (default 1).
	Seed int64
	// LimitScale multiplies the documented limits and leadsync's pacing (default 1);
	// tests raise it to run fast.
	LimitScale float64
	// Postgres is the server's URL: each measurement creates a database of its own
	// there and drops it after. Required.
	Postgres string
	// Baseline also measures the same workload run by one process on a SQLite file.
	Baseline bool
	// Leadsync is the command of the leadsync binary; each replica runs it with
	// `run -c CONFIG` appended. Required.
	Leadsync []string
	// Dir holds each measurement's config, mapping and SQLite file; "" is a temporary
	// folder that RunReplicas removes.
	Dir string
	// Progress receives a line as each measurement starts and ends; nil is silent.
	Progress io.Writer
}

func (o ReplicaOptions) withDefaults() ReplicaOptions {
	o.Replicas = cmp.Or(o.Replicas, 3)
	o.Pipelines = cmp.Or(o.Pipelines, 12)
	o.Portals = cmp.Or(o.Portals, min(3, o.Pipelines))
	o.Leads = cmp.Or(o.Leads, 20_000)
	o.Seed = cmp.Or(o.Seed, 1)
	o.LimitScale = cmp.Or(o.LimitScale, 1)
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	return o
}

func (o ReplicaOptions) check() error {
	switch {
	case o.Replicas < 1 || o.Pipelines < 1:
		return fmt.Errorf("bench: replicas and pipelines must be at least 1, not %d and %d", o.Replicas, o.Pipelines)
	case o.Portals < 1 || o.Portals > o.Pipelines:
		return fmt.Errorf("bench: portals must be between 1 and the %d pipelines, not %d", o.Pipelines, o.Portals)
	case o.Leads < o.Pipelines:
		return fmt.Errorf("bench: %d leads cannot give each of %d pipelines one", o.Leads, o.Pipelines)
	case o.LimitScale < 0:
		return fmt.Errorf("bench: the limit scale must be positive, not %g", o.LimitScale)
	case o.Postgres == "":
		return errors.New("bench: no PostgreSQL server to measure the replicas on")
	case len(o.Leadsync) == 0:
		return errors.New("bench: ReplicaOptions.Leadsync is empty: no leadsync binary to run the replicas")
	}
	return nil
}

// ReplicasReport holds the cluster's figures and, when asked for, the baseline's.
type ReplicasReport struct {
	Machine  Machine      `json:"machine"`
	Cluster  Measurement  `json:"cluster"`
	Baseline *Measurement `json:"sqlite_baseline,omitempty"`
}

// RunReplicas has N replicas of `leadsync run` on a fresh PostgreSQL database sync P
// pipelines' leads to the end, with the fakes enforcing the documented limits, and
// measures throughput against the cluster-wide bound, limit answers and credits. With
// Baseline, one `leadsync run` on a SQLite file then syncs the same workload.
func RunReplicas(ctx context.Context, opts ReplicaOptions) (ReplicasReport, error) {
	opts = opts.withDefaults()
	if err := opts.check(); err != nil {
		return ReplicasReport{}, err
	}
	dir := opts.Dir
	if dir == "" {
		d, err := os.MkdirTemp("", "leadsync-bench-replicas-")
		if err != nil {
			return ReplicasReport{}, err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	if err := DefaultClientLimits.Scaled(opts.LimitScale).check(DocumentedLimits.Scaled(opts.LimitScale)); err != nil {
		return ReplicasReport{}, err
	}
	rep := ReplicasReport{Machine: thisMachine()}
	var err error
	rep.Cluster, err = measure(ctx, opts, filepath.Join(dir, "postgresql"), backendPostgres, opts.Replicas)
	if err != nil || !opts.Baseline {
		return rep, err
	}
	base, err := measure(ctx, opts, filepath.Join(dir, "sqlite"), backendSQLite, 1)
	if err != nil {
		return rep, err
	}
	rep.Baseline = &base
	return rep, nil
}

// The state backends a measurement runs on.
const (
	backendPostgres = "postgresql"
	backendSQLite   = "sqlite"
)

// measure starts fresh fakes and a fresh state store, runs n replicas until every lead
// is done, stops them, and reads the figures off the state's runs and the fakes.
func measure(ctx context.Context, opts ReplicaOptions, dir, backend string, n int) (Measurement, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Measurement{}, err
	}
	limited, paced := DocumentedLimits.Scaled(opts.LimitScale), DefaultClientLimits.Scaled(opts.LimitScale)
	fmt.Fprintf(opts.Progress, "bench: %d × leadsync run on %s, %d pipelines over %d HubSpot portals, %d leads, %s: seeding the fakes\n",
		n, backend, opts.Pipelines, opts.Portals, opts.Leads, describeHubSpot(limited, paced))
	fl, err := startFleet(opts.Seed, opts.Leads, opts.Pipelines, opts.Portals, limited)
	if err != nil {
		return Measurement{}, err
	}
	defer fl.close()
	stateSection, env := stateSQLite, []string(nil)
	if backend == backendPostgres {
		dsn, drop, err := createDatabase(ctx, opts.Postgres)
		if err != nil {
			return Measurement{}, err
		}
		defer drop()
		stateSection, env = statePostgres(opts.Pipelines, opts.Replicas), []string{envStateURL + "=" + dsn}
	}
	cfgPath, secrets, err := fl.writeConfig(dir, stateSection, paced)
	if err != nil {
		return Measurement{}, err
	}
	env = append(env, secrets...)
	store, err := openState(ctx, cfgPath, env)
	if err != nil {
		return Measurement{}, err
	}
	defer store.Close()
	reps, err := startReplicas(opts.Leadsync, cfgPath, env, n)
	if err != nil {
		return Measurement{}, err
	}
	var seen observed
	seen.runs, seen.machineBusy, err = awaitSynced(ctx, store, reps, opts.Pipelines, opts.Leads)
	seen.lusha = fl.lushaIn.traffic()
	for _, p := range fl.portals {
		seen.portals = append(seen.portals, p.crmIn.traffic())
	}
	if err := errors.Join(err, reps.stop()); err != nil {
		return Measurement{}, err
	}
	seen.replicaCPU, seen.credits = reps.cpu(), fl.credits()
	m := newMeasurement(backend, n, opts, limited, paced, seen)
	fmt.Fprintf(opts.Progress, "bench: %d leads synced in %.1f s by %d × leadsync run on %s\n",
		m.Outcome.RecordsRead, m.SyncSeconds, n, backend)
	return m, nil
}

// openState opens the measurement's state store as the replicas do, migrating it
// first so that replicas starting together never race to create the schema.
func openState(ctx context.Context, cfgPath string, env []string) (state.Backend, error) {
	environ := append(os.Environ(), env...)
	cfg, err := config.Load(cfgPath, environ)
	if err != nil {
		return nil, err
	}
	return connector.OpenStore(ctx, cfg, lookup(environ))
}

// createDatabase creates an empty database on the server at server and returns its
// URL and how to drop it.
func createDatabase(ctx context.Context, server string) (string, func(), error) {
	u, err := url.Parse(server)
	if err != nil {
		return "", nil, errors.New("bench: the PostgreSQL URL does not parse") // its error would quote a password
	}
	name := "bench_" + strings.ToLower(rand.Text()[:16])
	if err := execOn(ctx, server, `CREATE DATABASE "`+name+`"`); err != nil {
		return "", nil, err
	}
	drop := func() {
		_ = execOn(context.WithoutCancel(ctx), server, `DROP DATABASE IF EXISTS "`+name+`" WITH (FORCE)`) // best effort: a leftover empty database harms nothing
	}
	u.Path = "/" + name
	return u.String(), drop, nil
}

// execOn runs one statement on a connection of its own to the database at dsn.
func execOn(ctx context.Context, dsn, sql string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return fmt.Errorf("bench: PostgreSQL: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, sql); err != nil {
		return fmt.Errorf("bench: %s: %w", sql, err)
	}
	return nil
}

// pollEvery is how often the state's runs are read while the replicas sync.
const pollEvery = 200 * time.Millisecond

// stallAfter is how long every pipeline may have run without the leads being done
// before the measurement gives up: the next ticks are an hour away.
const stallAfter = 15 * time.Second

// awaitSynced reads the runs until every pipeline's have read all the leads, a replica
// ends, or the runs stall short of the leads. busy is the share of the machine's CPUs
// busy from the first run seen to the end.
func awaitSynced(ctx context.Context, store state.Backend, reps *replicas, pipelines, leads int) (runs []state.Run, busy float64, err error) {
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	var stalledSince time.Time
	var cpuAtStart cpuTimes
	for {
		select {
		case <-ctx.Done():
			return nil, 0, ctx.Err()
		case <-reps.anyExited():
			return nil, 0, errors.New("bench: a replica ended before the leads were synced")
		case <-tick.C:
		}
		if runs, err = store.Runs(ctx, "", 0); err != nil {
			return nil, 0, err
		}
		if len(runs) > 0 && cpuAtStart == (cpuTimes{}) {
			cpuAtStart = machineCPU()
		}
		switch p := progressOf(runs, pipelines, leads); {
		case p.done:
			return runs, cpuAtStart.busyShare(machineCPU()), nil
		case !p.stalled:
			stalledSince = time.Time{}
		case stalledSince.IsZero():
			stalledSince = time.Now()
		case time.Since(stalledSince) > stallAfter:
			return nil, 0, fmt.Errorf("bench: every pipeline ran, but only %d of %d leads were read: %s", p.read, leads, p.statuses)
		}
	}
}

// progress is where the runs stand.
type progress struct {
	read int
	// done: every pipeline ran, no run is still going, and together they read all the
	// leads. stalled: the same, short of the leads.
	done, stalled bool
	statuses      string
}

func progressOf(runs []state.Run, pipelines, leads int) progress {
	var p progress
	ran := map[string]bool{}
	going := false
	var statuses []string
	for _, r := range runs {
		ran[r.Pipeline] = true
		going = going || r.FinishedAt.IsZero()
		p.read += r.Counts.RecordsRead
		if r.Status != connector.RunOK {
			statuses = append(statuses, fmt.Sprintf("%s %s: %s", r.Pipeline, r.Status, r.Error))
		}
	}
	p.statuses = cmp.Or(strings.Join(statuses, "; "), "every run ok")
	settled := len(ran) == pipelines && !going
	p.done = settled && p.read >= leads
	p.stalled = settled && p.read < leads
	return p
}
