package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/leadsync/leadsync/connector"
	"github.com/leadsync/leadsync/connector/sandbox"
)

func cmdSandbox(ctx context.Context, e *env, args []string) int {
	fs := newFlags(e, "sandbox")
	leads := fs.Int("leads", 500, "number of people in the synthetic world (and contacts in the fake HubSpot)")
	seed := fs.Int64("seed", 1, "seed of the synthetic world")
	once := fs.Bool("once", false, "run every pipeline once, print the summaries and exit")
	serveOnly := fs.Bool("serve", false, "only serve the fake servers; print their URLs and credentials as one JSON line")
	asJSON := fs.Bool("json", false, "with --once: one JSON object per pipeline run")
	chaos := fs.Float64("chaos", 0, "share of requests (0–1) the fakes fail with 5xx, 429 and slow answers")
	httpAddr := fs.String("http", "127.0.0.1:8080", "address of leadsync's HTTP surface (daemon mode)")
	var lf logFlags
	lf.register(fs)
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if *chaos < 0 || *chaos > 1 {
		fmt.Fprintln(e.stderr, "leadsync sandbox: --chaos must be between 0 and 1")
		return exitUsage
	}
	sb, err := sandbox.Start(sandbox.Options{Seed: *seed, Leads: *leads, Chaos: *chaos})
	if err != nil {
		fmt.Fprintf(e.stderr, "leadsync sandbox: %v\n", err)
		return exitFailed
	}
	defer sb.Close()

	if *serveOnly {
		_ = json.NewEncoder(e.stdout).Encode(sb.Endpoints())
		<-ctx.Done()
		return exitOK
	}
	// The sandbox's own variables come last so that they win over the process's.
	se := &env{environ: append(append([]string{}, e.environ...), sb.Environ(*httpAddr)...),
		stdout: e.stdout, stderr: e.stderr}
	eng, log, code := openEngine(ctx, se, sb.Config, lf)
	if eng == nil {
		return code
	}
	defer eng.Close()
	// The fake org stamps its seeded records to the second, and a read never takes the
	// second still going on: both the one-off sync and the daemon's first run
	// (run_on_start) would miss them.
	sb.Settle()
	if *once {
		sums, err := syncAll(ctx, eng, eng.Pipelines, connector.RunOptions{})
		printSummaries(e.stdout, sums, *asJSON)
		if err != nil {
			fmt.Fprintf(e.stderr, "leadsync sandbox: %v\n", err)
			return exitFailed
		}
		return syncExit(sums)
	}
	return serve(ctx, se, log, eng, true, func(addr string) {
		fmt.Fprintf(e.stdout, "leadsync sandbox: %d leads; status page, /metrics and /healthz on http://%s (Ctrl-C to stop)\n", *leads, addr)
	})
}
