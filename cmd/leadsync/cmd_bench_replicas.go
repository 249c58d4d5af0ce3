package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/leadsync/leadsync/connector/bench"
)

// benchPostgresEnv names the PostgreSQL server when --postgres does not: the one the
// tests use (.ci/run sets it), so that the benchmark runs where the tests do.
const benchPostgresEnv = "LEADSYNC_TEST_POSTGRES_URL"

// benchReplicaFlags are the flags of `leadsync bench --replicas N`.
type benchReplicaFlags struct {
	pipelines, portals *int
	postgres           *string
	baseline           *bool
	scale              *float64
}

func replicaFlags(fs *flag.FlagSet) benchReplicaFlags {
	return benchReplicaFlags{
		pipelines: fs.Int("pipelines", 12, "with --replicas: HubSpot pipelines, each with its share of a portal's contacts"),
		portals:   fs.Int("portals", 0, "with --replicas: fake HubSpot portals the pipelines are spread over (0: min(3, pipelines))"),
		postgres: fs.String("postgres", "", "with --replicas: PostgreSQL server URL; each measurement creates and drops a database there "+
			"(default $"+benchPostgresEnv+")"),
		baseline: fs.Bool("baseline", true, "with --replicas: also run the same workload with one process on a SQLite file"),
		scale: fs.Float64("limit-scale", 1, "with --replicas: multiply the documented limits and leadsync's pacing "+
			"(below 1 where the machine cannot drive the limits: the limits, not the CPUs, then bind)"),
	}
}

func (f benchReplicaFlags) options(replicas, leads int, seed int64) bench.ReplicaOptions {
	return bench.ReplicaOptions{Replicas: replicas, Pipelines: *f.pipelines, Portals: *f.portals, Leads: leads, Seed: seed,
		Postgres: *f.postgres, Baseline: *f.baseline, LimitScale: *f.scale}
}

// benchReplicas runs the cluster benchmark with this binary's `run` as the replicas.
func benchReplicas(ctx context.Context, e *env, opts bench.ReplicaOptions, asJSON bool) int {
	if opts.Postgres == "" {
		opts.Postgres = e.getenv(benchPostgresEnv)
	}
	if opts.Postgres == "" {
		fmt.Fprintf(e.stderr, "leadsync bench: --replicas needs a PostgreSQL server: --postgres URL or $%s\n", benchPostgresEnv)
		return exitUsage
	}
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintf(e.stderr, "leadsync bench: cannot find this program to run the replicas: %v\n", err)
		return exitFailed
	}
	opts.Leadsync, opts.Progress = []string{self}, e.stderr
	rep, err := bench.RunReplicas(ctx, opts)
	if err != nil {
		fmt.Fprintf(e.stderr, "leadsync bench: %v\n", err)
		return exitFailed
	}
	return printReport(e, &rep, asJSON)
}
