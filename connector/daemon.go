package connector

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/leadsync/leadsync/connector/account"
	"github.com/leadsync/leadsync/connector/cluster"
	"github.com/leadsync/leadsync/connector/observe"
	"github.com/leadsync/leadsync/connector/react"
	"github.com/leadsync/leadsync/connector/web"
	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/state"
)

// Daemon runs every pipeline on its schedule and serves the HTTP surface (status page,
// /metrics, /healthz, /readyz) until its context ends. A signal on Reload re-reads the
// config and swaps it in only if it is valid. Shutdown is ordered: no new runs,
// in-flight runs finish their page within the grace period, the HTTP server stops.
// With lusha.webhook set, it also serves Lusha's webhook receiver on a listener of
// its own and processes the inbox (connector/signals), until it stops.
type Daemon struct {
	Engine *Engine
	Logger *slog.Logger
	// Load reads and builds the config anew for a reload, on the engine's store.
	Load func(metrics *observe.Metrics) (*Engine, error)
	// Reloads receives a value for every reload request (SIGHUP).
	Reloads <-chan struct{}
	// Ready is called with the HTTP address once the daemon listens.
	Ready func(addr string)
	// ShowValues shows field values on the run page (personal data: off by default).
	ShowValues bool
	// Cluster, when set, makes the daemon a replica of a cluster on a shared
	// PostgreSQL: it builds the replica that works the ticks through run, and the
	// replica's periodic jobs replace the in-process cron. Nil: one process.
	Cluster func(run cluster.RunFunc) (Replica, error)

	metrics  *observe.Metrics
	accounts *account.Accounts // the process's accounts: they outlive reloads
	engine   atomic.Pointer[Engine]
	ticks    ticker
	runs     sync.WaitGroup // every run started by any schedule, across reloads
	runCtx   context.Context
	draining chan struct{}

	mu sync.Mutex
	// drained is set, under mu, when shutdown begins: no run may join d.runs after,
	// so that Wait never races an Add.
	drained bool
	locks   map[string]*sync.Mutex // one per pipeline name: a run never overlaps itself, across reloads
	running map[string]bool
	stopped map[string]string // pipelines stopped on auth, until a reload
	reload  web.ReloadView
	// receiver is Lusha's webhook receiver and inbox processor; nil when off.
	receiver *receiver
}

// Run blocks until ctx ends and the shutdown is complete.
func (d *Daemon) Run(ctx context.Context) error {
	d.metrics = observe.NewMetrics()
	d.locks, d.running, d.stopped = map[string]*sync.Mutex{}, map[string]bool{}, map[string]string{}
	accts := d.Engine.NewAccounts(d.metrics, d.Logger)
	defer accts.Close()
	d.mu.Lock()
	d.accounts = accts
	d.mu.Unlock()
	if err := d.Engine.Adopt(d.accounts); err != nil {
		return err
	}
	d.Engine.Runner.Metrics = d.metrics
	d.engine.Store(d.Engine)

	ln, err := net.Listen("tcp", d.Engine.Config.HTTP.Listen)
	if err != nil {
		return fmt.Errorf("http: %w", err)
	}
	srv := &http.Server{Handler: d.routes(), ReadHeaderTimeout: 10 * time.Second}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()

	d.draining = make(chan struct{})
	runCtx, cancelRuns := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelRuns()
	d.runCtx = runCtx
	rcv, err := d.startReceiver(d.Engine)
	if err != nil {
		_ = srv.Close()
		return err
	}
	d.mu.Lock()
	d.receiver = rcv
	d.mu.Unlock()
	if err := d.startTicks(ctx); err != nil {
		_ = srv.Close()
		return errors.Join(err, rcv.close())
	}
	d.Logger.Info("leadsync running", "http", ln.Addr().String(), "pipelines", len(d.Engine.Pipelines))
	if d.Ready != nil {
		d.Ready(ln.Addr().String())
	}

	for done := false; !done; {
		select {
		case <-ctx.Done():
			done = true
		case err := <-serveErr:
			d.Logger.Error("http server failed", "err", err)
			done = true
		case err := <-rcv.failed():
			d.Logger.Error("lusha webhook receiver failed", "err", err)
			done = true
		case <-d.Reloads:
			d.reloadConfig()
		}
	}
	return errors.Join(d.shutdown(srv, cancelRuns), rcv.close())
}

func (d *Daemon) shutdown(srv *http.Server, cancelRuns context.CancelFunc) error {
	grace := d.engine.Load().Config.ShutdownGrace
	d.Logger.Info("shutting down", "grace", grace.String())
	d.ticks.stopTicks() // no new ticks; the runs are waited for below, within the grace
	finished := d.drain()
	select {
	case <-finished:
	case <-time.After(grace):
		d.Logger.Warn("runs outlived the grace period; cancelling them")
		cancelRuns()
		<-finished
	}
	d.ticks.wait()
	shutCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// startTicks picks how runs start (a cluster's replica, or the cron) and schedules
// the engine's pipelines, at start.
func (d *Daemon) startTicks(ctx context.Context) error {
	if d.Cluster == nil {
		d.setTicks(&cronTicker{d: d})
		return d.schedule(d.Engine, true)
	}
	t := &replicaTicker{d: d}
	rep, err := d.Cluster(t.run)
	if err != nil {
		return err
	}
	t.r = rep
	if err := rep.Start(ctx); err != nil {
		return err
	}
	d.setTicks(t)
	if p, ok := d.Engine.Store.(pooled); ok {
		d.metrics.WatchCluster(func(ctx context.Context) (observe.ClusterFigures, error) {
			return clusterFigures(ctx, d.engine.Load(), p, rep.ID())
		})
	}
	if err := d.schedule(d.Engine, true); err != nil {
		t.stopTicks()
		t.wait()
		return err
	}
	return nil
}

// setTicks sets d.ticks, under d.mu: the status page reads it from the start.
func (d *Daemon) setTicks(t ticker) {
	d.mu.Lock()
	d.ticks = t
	d.mu.Unlock()
}

// schedule has eng's pipelines ticked, replacing the previous schedules; runs already
// going finish on their old engine. At start, the pipelines that run on start
// (run_on_start) begin their first run at once rather than at their first tick; a
// reload only reschedules.
func (d *Daemon) schedule(eng *Engine, atStart bool) error {
	runner := *eng.Runner
	runner.Stopping = d.draining
	runner.Metrics = d.metrics
	return d.ticks.schedule(eng, &runner, atStart)
}

// runAtStart begins p's first run now, without waiting for its schedule. The run
// joins d.runs before runAtStart returns, so that a shutdown that follows at once
// still waits for it; a tick that comes while it is going is skipped, as any tick
// that finds the pipeline running. A panic is logged, as the scheduler's Recover does.
func (d *Daemon) runAtStart(r *Runner, p *Pipeline) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.drained {
		return
	}
	d.runs.Add(1)
	d.Logger.Info("first run at start", "pipeline", p.Name)
	go func() {
		defer d.runs.Done()
		defer func() {
			if v := recover(); v != nil {
				d.Logger.Error("panic in the run at start", "pipeline", p.Name, "panic", fmt.Sprint(v),
					"stack", string(debug.Stack()))
			}
		}()
		_ = d.run(d.runCtx, r, p, RunOptions{}) // logged by run
	}()
}

// drain lets no run start any more and returns a channel closed once the runs in
// flight ended. No run joins d.runs after it is marked drained, so the Wait never
// races an Add.
func (d *Daemon) drain() <-chan struct{} {
	d.mu.Lock()
	d.drained = true
	close(d.draining)
	d.mu.Unlock()
	finished := make(chan struct{})
	go func() { d.runs.Wait(); close(finished) }()
	return finished
}

func (d *Daemon) lock(pipeline string) *sync.Mutex {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.locks[pipeline] == nil {
		d.locks[pipeline] = &sync.Mutex{}
	}
	return d.locks[pipeline]
}

// join joins d.runs unless shutdown began, and reports whether it did.
func (d *Daemon) join() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.drained {
		return false
	}
	d.runs.Add(1)
	return true
}

func (d *Daemon) runOnce(r *Runner, p *Pipeline) {
	if !d.join() {
		return
	}
	defer d.runs.Done()
	_ = d.run(d.runCtx, r, p, RunOptions{}) // logged by run
}

// run runs p once unless it is running already or stopped; the caller has joined
// d.runs. The error is the run's own (a skipped tick has none).
func (d *Daemon) run(ctx context.Context, r *Runner, p *Pipeline, opts RunOptions) error {
	l := d.lock(p.Name)
	if !l.TryLock() {
		// Debug, as cron's own skips: a long first run (run_on_start) meets every tick.
		d.Logger.Debug("previous run still going; tick skipped", "pipeline", p.Name)
		return nil
	}
	defer l.Unlock()
	d.mu.Lock()
	if why := d.stopped[p.Name]; why != "" {
		d.mu.Unlock()
		d.Logger.Debug("pipeline stopped; tick skipped", "pipeline", p.Name, "why", why)
		return nil
	}
	d.running[p.Name] = true
	d.mu.Unlock()
	sum, err := r.Run(ctx, p, opts)
	d.mu.Lock()
	d.running[p.Name] = false
	d.mu.Unlock()
	if held, ok := errors.AsType[*state.LeaseHeldError](err); ok {
		// Another process, or a signal's action in this one, runs the pipeline.
		d.Logger.Info("tick skipped: the pipeline's lease is held", "pipeline", p.Name, "owner", held.Owner)
		return err
	}
	if err != nil {
		d.Logger.Error("run failed", "pipeline", p.Name, "err", err)
		return err
	}
	if sum.StopClass != crm.ClassNone && react.For(sum.StopClass).Run == react.StopPipeline {
		d.mu.Lock()
		d.stopped[p.Name] = string(sum.StopClass) + ": " + sum.Error
		d.mu.Unlock()
		d.Logger.Error("pipeline stopped: the CRM or Lusha refused our credentials; fix them and reload",
			"pipeline", p.Name, "error", sum.Error)
		return nil
	}
	if sum.Status != RunOK {
		d.Logger.Warn("run ended early", "pipeline", p.Name, "run_id", sum.RunID, "status", sum.Status, "error", sum.Error)
	}
	d.reportQueue(p.Name)
	return nil
}

// reportQueue publishes the retry queue's size by class.
func (d *Daemon) reportQueue(pipeline string) {
	st, err := d.engine.Load().Store.Stats(d.runCtx, pipeline)
	if err == nil {
		d.metrics.RetryQueue(pipeline, st.Records["parked"])
		if !st.CursorUpdatedAt.IsZero() {
			d.metrics.CursorLag(pipeline, time.Since(st.CursorUpdatedAt))
		}
	}
}

// reloadConfig builds the config anew and swaps it in only if it is valid.
func (d *Daemon) reloadConfig() {
	now := time.Now().UTC()
	fail := func(err error) {
		d.metrics.ConfigReload(false)
		d.mu.Lock()
		d.reload = web.ReloadView{Failed: true, Error: err.Error(), At: now}
		d.mu.Unlock()
		d.Logger.Error("config reload refused; the previous config keeps running", "err", err)
	}
	if d.Load == nil {
		fail(errors.New("this daemon cannot reload"))
		return
	}
	eng, err := d.Load(d.metrics)
	if err != nil {
		fail(err)
		return
	}
	// The new config's pipelines run on the process's accounts, changed in place:
	// one budget, limiter and breaker per account across the reload (DESIGN §9a).
	if err := eng.Adopt(d.accounts); err != nil {
		fail(err)
		return
	}
	if err := d.schedule(eng, false); err != nil {
		fail(err)
		return
	}
	d.engine.Store(eng)
	d.metrics.ConfigReload(true)
	d.mu.Lock()
	d.reload = web.ReloadView{At: now}
	d.stopped = map[string]string{} // new credentials may have fixed them
	d.mu.Unlock()
	d.Logger.Info("config reloaded", "pipelines", len(eng.Pipelines))
}

func (d *Daemon) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", d.readyz)
	mux.Handle("GET /metrics", d.metrics.Handler())
	status := &Status{Config: d.Engine.Config, Store: d.Engine.Store, Live: d}
	mux.Handle("/", web.New(&reloadingStatus{d: d, base: status}, web.Options{ShowValues: d.ShowValues, Logger: d.Logger}))
	return mux
}

// readyz is ready when the store answers, the config is loaded, and no pipeline is
// stopped on an auth failure.
func (d *Daemon) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	eng := d.engine.Load()
	if _, err := eng.Store.Cursor(r.Context(), "-readyz-"); err != nil {
		http.Error(w, "state store: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for p, why := range d.stopped {
		http.Error(w, fmt.Sprintf("pipeline %s stopped: %s", p, why), http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintln(w, "ready")
}

// reloadingStatus follows the current engine's config across reloads.
type reloadingStatus struct {
	d    *Daemon
	base *Status
}

func (s *reloadingStatus) current() *Status {
	st := *s.base
	st.Config = s.d.engine.Load().Config
	return &st
}
func (s *reloadingStatus) Overview(ctx context.Context) (web.Overview, error) {
	return s.current().Overview(ctx)
}
func (s *reloadingStatus) Runs(ctx context.Context, since time.Time) ([]state.Run, error) {
	return s.current().Runs(ctx, since)
}
func (s *reloadingStatus) Run(ctx context.Context, id string, max int) (web.RunView, error) {
	return s.current().Run(ctx, id, max)
}
func (s *reloadingStatus) Parked(ctx context.Context, p string, limit int) ([]state.RecordState, error) {
	return s.current().Parked(ctx, p, limit)
}

// Accounts are the process's accounts, set once Run has started.
func (d *Daemon) Accounts() *account.Accounts {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.accounts
}

// ClusterStatus is what the status page shows of a cluster: which replica this is,
// which leads (enqueues the ticks), and which replica ran the latest ticks.
type ClusterStatus struct {
	Replica string
	Leader  string // "" while none is elected
	Ticks   []cluster.Tick
}

// ClusterStatus reports the cluster's state with at most limit ticks, newest first; ok is
// false for a daemon that is no replica (or not started yet).
func (d *Daemon) ClusterStatus(ctx context.Context, limit int) (st ClusterStatus, ok bool, err error) {
	d.mu.Lock()
	t, ok := d.ticks.(*replicaTicker)
	d.mu.Unlock()
	if !ok {
		return ClusterStatus{}, false, nil
	}
	st.Replica = t.r.ID()
	if st.Leader, err = t.r.Leader(ctx); err != nil {
		return st, true, err
	}
	st.Ticks, err = t.r.Ticks(ctx, limit)
	return st, true, err
}

// Live, for the status page.

// Replica is this daemon's name in its cluster, "" when it is no replica.
func (d *Daemon) Replica() string {
	d.mu.Lock()
	t, ok := d.ticks.(*replicaTicker)
	d.mu.Unlock()
	if !ok {
		return ""
	}
	return t.r.ID()
}

func (d *Daemon) NextRun(p string) time.Time {
	d.mu.Lock()
	t := d.ticks
	d.mu.Unlock()
	if t == nil {
		return time.Time{}
	}
	return t.next(p)
}
func (d *Daemon) Running(p string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.running[p]
}
func (d *Daemon) Stopped(p string) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.stopped[p]
}
func (d *Daemon) Breakers() []web.BreakerView {
	states := d.engine.Load().Breakers()
	var out []web.BreakerView
	for _, name := range slices.Sorted(maps.Keys(states)) {
		out = append(out, web.BreakerView{Name: name, State: states[name]})
	}
	return out
}
func (d *Daemon) Reload() web.ReloadView {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.reload
}
