package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

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
	withSignals := fs.Bool("signals", false, "daemon mode: after the first run, move some enriched people to new jobs "+
		"and deliver Lusha's signals to the daemon's webhook receiver; print what they did")
	signalsEvery := fs.Duration("signals-every", time.Minute, "with --signals: time between rounds of signals")
	var lf logFlags
	lf.register(fs)
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if *chaos < 0 || *chaos > 1 {
		fmt.Fprintln(e.stderr, "leadsync sandbox: --chaos must be between 0 and 1")
		return exitUsage
	}
	if *withSignals && (*once || *serveOnly) {
		fmt.Fprintln(e.stderr, "leadsync sandbox: --signals runs the daemon; it does not go with --once or --serve")
		return exitUsage
	}
	if *signalsEvery <= 0 {
		fmt.Fprintln(e.stderr, "leadsync sandbox: --signals-every must be positive")
		return exitUsage
	}
	sb, err := sandbox.Start(sandbox.Options{Seed: *seed, Leads: *leads, Chaos: *chaos, Signals: *withSignals})
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
	banner := func(addr string) {
		fmt.Fprintf(e.stdout, "leadsync sandbox: %d leads; status page, /metrics and /healthz on http://%s (Ctrl-C to stop)\n", *leads, addr)
	}
	if *withSignals {
		return serveWithSignals(ctx, se, log, eng, sb, *seed, *signalsEvery, banner)
	}
	return serve(ctx, se, log, eng, true, banner)
}

// serveWithSignals is the sandbox daemon with Lusha's signals (sandbox --signals).
// The first run is a sync of every pipeline before the daemon starts: its
// subscriptions manager passes at start and then every 10 minutes, so the people
// of the first run are subscribed at once. Once they are, rounds of signals follow,
// each with a summary line, and a last one when the daemon stops.
func serveWithSignals(ctx context.Context, e *env, log *slog.Logger, eng *connector.Engine, sb *sandbox.Sandbox,
	seed int64, every time.Duration, banner func(addr string)) int {
	fmt.Fprintln(e.stdout, "leadsync sandbox: first run of every pipeline, before the daemon subscribes the people it enriched")
	sums, err := syncAll(ctx, eng, eng.Pipelines, connector.RunOptions{})
	printSummaries(e.stdout, sums, false)
	if err != nil {
		fmt.Fprintf(e.stderr, "leadsync sandbox: %v\n", err)
		return exitFailed
	}
	store, ok := eng.Store.(sandbox.MoverStore)
	if !ok {
		fmt.Fprintln(e.stderr, "leadsync sandbox: this state store keeps no inbox")
		return exitFailed
	}
	var (
		rounds sync.WaitGroup
		mover  *sandbox.Mover
	)
	ready := func(addr string) {
		banner(addr)
		m, err := sb.NewMover(sandbox.MoverOptions{Store: store, MetricsURL: "http://" + addr + "/metrics", Seed: seed})
		if err != nil {
			fmt.Fprintf(e.stderr, "leadsync sandbox: %v\n", err)
			return
		}
		mover = m // Ready runs on serve's goroutine, before it returns
		rounds.Go(func() { signalRounds(ctx, e, m, every) })
	}
	code := serve(ctx, e, log, eng, true, ready)
	rounds.Wait()
	if mover != nil {
		// The daemon has stopped: its /metrics with it, so the records refreshed
		// are those of the last round's summary.
		sum, err := mover.Summary(context.WithoutCancel(ctx))
		if err != nil {
			log.Debug("sandbox summary without /metrics", "err", err)
		}
		fmt.Fprintf(e.stdout, "leadsync sandbox: %v\n", sum)
	}
	return code
}

// signalRounds waits for the subscriptions, then moves the world on every
// interval until ctx ends, printing a summary line after each round.
func signalRounds(ctx context.Context, e *env, m *sandbox.Mover, every time.Duration) {
	n, err := m.WaitSubscribed(ctx)
	if err != nil {
		return // stopped
	}
	fmt.Fprintf(e.stdout, "leadsync sandbox: %d people subscribed to job changes and promotions\n", n)
	t := time.NewTicker(every)
	defer t.Stop()
	for round := 1; ; round++ {
		moves, sum, err := m.Round(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			fmt.Fprintf(e.stderr, "leadsync sandbox: signals round %d: %v\n", round, err)
		} else {
			fmt.Fprintf(e.stdout, "leadsync sandbox: round %d: %d people changed jobs or were promoted; %v\n",
				round, len(moves), sum)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
