package connector

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Daemon runs every pipeline on its schedule and serves the HTTP surface until its
// context ends, then shuts down in order: no new runs, in-flight runs finish their
// page within the grace period, the HTTP server stops.
type Daemon struct {
	Engine *Engine
	Logger *slog.Logger
	// Ready is called with the HTTP address once the daemon listens.
	Ready func(addr string)
}

// Run blocks until ctx ends and the shutdown is complete.
func (d *Daemon) Run(ctx context.Context) error {
	e := d.Engine
	ln, err := net.Listen("tcp", e.Config.HTTP.Listen)
	if err != nil {
		return fmt.Errorf("http: %w", err)
	}
	srv := &http.Server{Handler: d.routes(), ReadHeaderTimeout: 10 * time.Second}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()

	// Runs see draining close when shutdown starts and stop after their current page;
	// runCtx is cancelled only if they outlive the grace period.
	draining := make(chan struct{})
	runCtx, cancelRuns := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelRuns()
	runner := *e.Runner
	runner.Stopping = draining
	sched := NewScheduler(d.Logger)
	for _, p := range e.Pipelines {
		if err := sched.Add(p.Schedule, func() { d.runOnce(runCtx, &runner, p) }); err != nil {
			return err
		}
	}
	sched.Start()
	d.Logger.Info("leadsync running", "http", ln.Addr().String(), "pipelines", len(e.Pipelines))
	if d.Ready != nil {
		d.Ready(ln.Addr().String())
	}

	select {
	case <-ctx.Done():
	case err := <-serveErr:
		d.Logger.Error("http server failed", "err", err)
	}
	d.Logger.Info("shutting down", "grace", e.Config.ShutdownGrace)
	close(draining)
	graceCtx, cancel := context.WithTimeout(context.Background(), e.Config.ShutdownGrace)
	defer cancel()
	if !sched.Stop(graceCtx) {
		d.Logger.Warn("runs outlived the grace period; cancelling them")
		cancelRuns()
		hard, cancelHard := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancelHard()
		sched.Stop(hard)
	}
	shutCtx, cancelShut := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancelShut()
	if err := srv.Shutdown(shutCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func (d *Daemon) runOnce(ctx context.Context, r *Runner, p *Pipeline) {
	sum, err := r.Run(ctx, p, RunOptions{})
	if err != nil {
		d.Logger.Error("run failed", "pipeline", p.Name, "err", err)
		return
	}
	if sum.Status != RunOK {
		d.Logger.Warn("run ended early", "pipeline", p.Name, "run_id", sum.RunID, "status", sum.Status, "error", sum.Error)
	}
}

func (d *Daemon) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	return mux
}
