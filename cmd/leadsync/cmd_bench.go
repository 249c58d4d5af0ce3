package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"time"

	"github.com/leadsync/leadsync/connector/bench"
	"github.com/leadsync/leadsync/state"
)

// cmdBench measures leadsync against its rate-limit bound, memory and credits
// (DESIGN §8). Each measured sync runs in a child: this binary again, with --child.
func cmdBench(ctx context.Context, e *env, args []string) int {
	fs := newFlags(e, "bench")
	crmName := fs.String("crm", "hubspot", "CRM of the pipeline: hubspot or salesforce")
	leads := fs.Int("leads", 20_000, "number of leads N to sync")
	asJSON := fs.Bool("json", false, "print the figures as one JSON object")
	seed := fs.Int64("seed", 1, "seed of the synthetic world")
	memFactor := fs.Int("memory-factor", 10, "compare peak memory at N with this multiple of N")
	cpuProfile := fs.String("cpuprofile", "", "write the CPU profile of the limits-off sync of N leads to this file")
	memProfile := fs.String("memprofile", "", "write the allocation profile of the limits-off sync of N leads to this file")
	child := fs.Bool("child", false, "internal: be the measured sync process the benchmark starts")
	soak := fs.Bool("soak", false, "soak: run the daemon in a child process against the sandbox's fakes in this one, sampling the child's RSS, goroutines, descriptors and the state file every tick")
	inProcess := fs.Bool("soak-in-process", false, "with --soak: run the daemon in this process, beside the fakes (RSS then counts both)")
	ticks := fs.Int("ticks", 3000, "with --soak: number of ticks")
	tick := fs.Duration("tick", time.Second, "with --soak: the pipelines' schedule (@every TICK) and the sampling interval")
	soakLeads := fs.Int("soak-leads", 200, "with --soak: contacts and leads seeded in the fakes")
	newPerTick := fs.Int("new-per-tick", 2, "with --soak: new HubSpot contacts and Salesforce Leads arriving every tick")
	chaos := fs.Float64("chaos", 0.05, "with --soak: share of requests (0–1) the fakes fail")
	samples := fs.Bool("samples", false, "with --soak --json: include every tick's sample")
	keep := fs.Duration("keep", 0, "with --soak: the daemon's history.keep_runs and keep_ledger, handed to the engine (default a tenth of the soak; the config's 24h minimum is for users)")
	pruneEvery := fs.Duration("prune-every", 0, "with --soak: at most one prune per this (default a tenth of --keep)")
	// --replicas: the cluster benchmark (cmd_bench_replicas.go).
	replicas := fs.Int("replicas", 0, "run N replicas of leadsync run on one PostgreSQL database (with --pipelines), then one on SQLite")
	rf := replicaFlags(fs)
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if *child {
		return benchChild(ctx, e)
	}
	if *replicas > 0 {
		return benchReplicas(ctx, e, rf.options(*replicas, *leads, *seed), *asJSON)
	}
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintf(e.stderr, "leadsync bench: cannot find this program to run the sync in a child: %v\n", err)
		return exitFailed
	}
	if *soak {
		opts := bench.SoakOptions{Ticks: *ticks, Tick: *tick, Leads: *soakLeads, NewPerTick: *newPerTick,
			Chaos: soakChaos(*chaos), Seed: *seed, Progress: e.stderr, Keep: state.Retention{KeepRuns: *keep, KeepLedger: *keep},
			PruneEvery: *pruneEvery, Child: []string{self, "bench", "--child"}}
		if *inProcess {
			opts.Child = nil
		}
		return benchSoak(ctx, e, opts, *asJSON, *samples)
	}
	rep, err := bench.Run(ctx, bench.Options{CRM: *crmName, Leads: *leads, Seed: *seed, MemoryFactor: *memFactor,
		Child: []string{self, "bench", "--child"}, CPUProfile: *cpuProfile, MemProfile: *memProfile, Progress: e.stderr})
	if err != nil {
		fmt.Fprintf(e.stderr, "leadsync bench: %v\n", err)
		if errors.Is(err, bench.ErrNotAvailable) {
			return exitUsage
		}
		return exitFailed
	}
	return printReport(e, &rep, *asJSON)
}

// benchChild is the measured process: it syncs what the parent's task says.
func benchChild(ctx context.Context, e *env) int {
	task := e.getenv(bench.ChildEnv)
	if task == "" {
		fmt.Fprintf(e.stderr, "leadsync bench: --child is started by leadsync bench itself (%s is not set)\n", bench.ChildEnv)
		return exitUsage
	}
	if err := bench.RunChild(ctx, task, e.environ, e.stdout, e.stderr); err != nil {
		fmt.Fprintf(e.stderr, "leadsync bench: %v\n", err)
		return exitFailed
	}
	return exitOK
}

// benchSoak runs the soak and prints its figures.
func benchSoak(ctx context.Context, e *env, opts bench.SoakOptions, asJSON, samples bool) int {
	if opts.Ticks < 8 || opts.Chaos > 1 {
		fmt.Fprintln(e.stderr, "leadsync bench: --soak needs --ticks of at least 8 and --chaos between 0 and 1")
		return exitUsage
	}
	// The soak splits the heap by owner from the heap profile's samples: one per
	// 32 KiB allocated instead of 512 makes the split finer.
	runtime.MemProfileRate = 32 << 10
	rep, err := bench.Soak(ctx, opts)
	if err != nil {
		fmt.Fprintf(e.stderr, "leadsync bench: soak: %v\n", err)
		return exitFailed
	}
	if !samples {
		rep.Samples = nil // JSON only: the text shows no samples
	}
	return printReport(e, &rep, asJSON)
}

// printReport prints a benchmark's report as JSON or as text.
func printReport(e *env, rep interface{ WriteText(io.Writer) }, asJSON bool) int {
	if !asJSON {
		rep.WriteText(e.stdout)
		return exitOK
	}
	if err := json.NewEncoder(e.stdout).Encode(rep); err != nil {
		fmt.Fprintf(e.stderr, "leadsync bench: %v\n", err)
		return exitFailed
	}
	return exitOK
}

// soakChaos maps the flag to SoakOptions.Chaos, where 0 means the default and a
// negative value none.
func soakChaos(c float64) float64 {
	if c == 0 {
		return -1
	}
	return c
}
