package connector_test

import (
	"context"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.uber.org/goleak"

	"github.com/leadsync/leadsync/connector"
	"github.com/leadsync/leadsync/connector/cluster"
	"github.com/leadsync/leadsync/connector/config"
	"github.com/leadsync/leadsync/connector/observe"
	"github.com/leadsync/leadsync/connector/sandbox"
	"github.com/leadsync/leadsync/state"
	"github.com/leadsync/leadsync/state/pgtest"
)

// TestDaemonInClusterMode: a daemon on a PostgreSQL state (state.url) is a replica:
// it runs every pipeline at start through the tick jobs (the run's end completing
// each), reschedules them on a reload, and stops without leaving a goroutine.
func TestDaemonInClusterMode(t *testing.T) {
	before := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, before) }) // the last cleanup: after the fakes close
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	sb, environ := sandboxOnPostgres(t, 7, 40)
	getenv := getenvOf(environ)
	setSchedule := func(every string) *config.Config {
		b, err := os.ReadFile(sb.Config)
		if err != nil {
			t.Fatal(err)
		}
		text := strings.ReplaceAll(string(b), `"@every 30s"`, `"`+every+`"`)
		text = strings.ReplaceAll(text, `"@every 1h"`, `"`+every+`"`)
		text = strings.Replace(text, "state: { path: leadsync-sandbox.db }",
			`state: { url: "${env:TEST_STATE_URL}", migrate: auto }`, 1)
		if err := os.WriteFile(sb.Config, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, err := config.Load(sb.Config, environ)
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	eng, err := connector.Build(t.Context(), setSchedule("@every 1h"), getenv, log)
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	pool := poolOf(t, eng)
	reloads := make(chan struct{}, 1)
	ready := make(chan string, 1)
	d := &connector.Daemon{Engine: eng, Logger: log, Reloads: reloads, Ready: func(a string) { ready <- a },
		Load: func(m *observe.Metrics) (*connector.Engine, error) {
			return connector.BuildWith(setSchedule("@every 2h"), getenv, log, eng.Store, m)
		},
		Cluster: connector.ReplicaOf(eng, log)}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("the daemon did not start: %v", err)
	}
	completed := func() map[string]int {
		rows, err := pool.Query(t.Context(), `SELECT args->>'pipeline', count(*) FROM river_job
			WHERE kind = $1 AND state = 'completed' GROUP BY 1`, cluster.TickKind)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]int{}
		for rows.Next() {
			var p string
			var n int
			if err := rows.Scan(&p, &n); err != nil {
				t.Fatal(err)
			}
			out[p] = n
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	waitUntil(t, "a completed tick of every pipeline (run_on_start)", func() bool {
		got := completed()
		for _, p := range eng.Pipelines {
			if got[p.Name] == 0 {
				return false
			}
		}
		return true
	})
	runs, err := eng.Store.Runs(t.Context(), "", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range runs {
		if r.FinishedAt.IsZero() {
			t.Errorf("run %s of %s has no stored end although its tick completed", r.RunID, r.Pipeline)
		}
	}
	st, ok, err := d.ClusterStatus(t.Context(), 10)
	if err != nil || !ok {
		t.Fatalf("cluster status: %v, %v", ok, err)
	}
	if st.Replica == "" || st.Leader != st.Replica || len(st.Ticks) < len(eng.Pipelines) {
		t.Errorf("cluster status %+v: want the one replica leading and a tick per pipeline", st)
	}
	for _, tk := range st.Ticks {
		if tk.Replica != st.Replica {
			t.Errorf("tick %d of %s ran on %q, want %s", tk.JobID, tk.Pipeline, tk.Replica, st.Replica)
		}
	}
	for _, r := range runs {
		if !strings.HasPrefix(r.Runner, st.Replica+"/job-") {
			t.Errorf("run %s of %s is recorded as %q's, want a tick of %s", r.RunID, r.Pipeline, r.Runner, st.Replica)
		}
	}
	p := eng.Pipelines[0].Name
	if next := time.Until(d.NextRun(p)); next <= 0 || next > time.Hour {
		t.Errorf("%s next in %v, want within the hour", p, next)
	}
	reloads <- struct{}{}
	waitUntil(t, "the reload's schedule", func() bool { return time.Until(d.NextRun(p)) > time.Hour })
	if r := d.Reload(); r.Failed {
		t.Errorf("reload failed: %s", r.Error)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	http.DefaultClient.CloseIdleConnections()
}

// waitUntil polls cond; the deadline only bounds a broken test.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// poolOf is the pool of the engine's PostgreSQL store.
func poolOf(t *testing.T, eng *connector.Engine) *pgxpool.Pool {
	t.Helper()
	pg, ok := eng.Store.(*state.Postgres)
	if !ok {
		t.Fatalf("the engine's store is a %T, not PostgreSQL", eng.Store)
	}
	return pg.Pool()
}

// TestTwoReplicasAreOneDaemon: two daemons on one PostgreSQL state behave as one: one
// leader that both see, no pipeline ever runs twice at once, no person is bought
// twice, and every run says which replica's tick ran it. When the leader stops, the
// other replica leads and carries every pipeline on.
func TestTwoReplicasAreOneDaemon(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	sb, environ := sandboxOnPostgres(t, 11, 120)
	b, err := os.ReadFile(sb.Config)
	if err != nil {
		t.Fatal(err)
	}
	text := regexp.MustCompile(`"@every [^"]+"`).ReplaceAllString(string(b), `"@every 1s"`)
	// Two runs at once per replica: the four pipelines spread over both.
	text = strings.Replace(text, "state: { path: leadsync-sandbox.db }",
		`state: { url: "${env:TEST_STATE_URL}", migrate: auto, replica_runs: 2 }`, 1)
	if err := os.WriteFile(sb.Config, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	var daemons []*connector.Daemon
	var done []chan error
	var stops []context.CancelFunc
	var addrs []string
	for range 2 {
		r := startReplica(t, sb.Config, environ, log)
		daemons, done, stops, addrs = append(daemons, r.d), append(done, r.done), append(stops, r.stop), append(addrs, r.addr)
	}
	store := daemons[0].Engine.Store
	pipelines := len(daemons[0].Engine.Pipelines)
	finishedBy := func(replica string) map[string]int {
		runs, err := store.Runs(t.Context(), "", 0)
		if err != nil {
			t.Fatal(err)
		}
		finished := map[string]int{}
		for _, r := range runs {
			if !r.FinishedAt.IsZero() && strings.HasPrefix(r.Runner, replica) {
				finished[r.Pipeline]++
			}
		}
		return finished
	}
	atLeast := func(finished map[string]int, n int) bool {
		for _, k := range finished {
			if k < n {
				return false
			}
		}
		return len(finished) == pipelines
	}
	waitUntil(t, "three finished runs of every pipeline", func() bool { return atLeast(finishedBy(""), 3) })
	waitUntil(t, "runs on both replicas", func() bool {
		return len(finishedBy(daemons[0].Replica()+"/")) > 0 && len(finishedBy(daemons[1].Replica()+"/")) > 0
	})
	var ids []string
	leaders := map[string]bool{}
	for _, d := range daemons {
		st, ok, err := d.ClusterStatus(t.Context(), 0)
		if err != nil || !ok {
			t.Fatalf("cluster status: %v %v", ok, err)
		}
		ids, leaders[st.Leader] = append(ids, st.Replica), true
	}
	leader := slices.Collect(maps.Keys(leaders))[0]
	if len(leaders) != 1 || !slices.Contains(ids, leader) {
		t.Fatalf("replicas %v see leaders %v, want one of them", ids, leaders)
	}
	for i, a := range addrs {
		checkClusterPages(t, a, ids[i], leader)
	}
	first := slices.Index(ids, leader)
	stops[first]()
	if err := <-done[first]; err != nil {
		t.Fatal(err)
	}
	other := ids[1-first]
	waitUntil(t, other+" running every pipeline twice after the leader stopped", func() bool {
		return atLeast(finishedBy(other+"/"), 2)
	})
	waitUntil(t, other+" elected leader", func() bool {
		st, _, err := daemons[1-first].ClusterStatus(t.Context(), 1)
		if err != nil {
			t.Fatal(err)
		}
		return st.Leader == other
	})
	stops[1-first]()
	if err := <-done[1-first]; err != nil {
		t.Fatal(err)
	}
	runs, err := store.Runs(t.Context(), "", 0)
	if err != nil {
		t.Fatal(err)
	}
	checkNoOverlap(t, runs, ids)
	by := map[string]int{}
	for _, r := range runs {
		replica, _, _ := strings.Cut(r.Runner, "/job-")
		by[replica]++
	}
	t.Logf("runs by replica: %v", by)
	bought := map[string]int{}
	for _, c := range sb.Lusha.Charges() {
		for _, it := range c.Items {
			if bought[it.ID]++; bought[it.ID] == 2 {
				t.Errorf("%s was bought twice (%s)", it.ID, c.Endpoint)
			}
		}
	}
	if len(bought) == 0 {
		t.Error("nothing was bought: the replicas did no work")
	}
	http.DefaultClient.CloseIdleConnections()
}

// checkNoOverlap fails when two runs of one pipeline overlap in time, or a run was not
// a tick of one of the replicas.
func checkNoOverlap(t *testing.T, runs []state.Run, replicas []string) {
	t.Helper()
	byPipeline := map[string][]state.Run{}
	for _, r := range runs {
		byPipeline[r.Pipeline] = append(byPipeline[r.Pipeline], r)
		replica, _, _ := strings.Cut(r.Runner, "/job-")
		if !slices.Contains(replicas, replica) {
			t.Errorf("run %s of %s was run by %q, not a tick of %v", r.RunID, r.Pipeline, r.Runner, replicas)
		}
	}
	for p, rs := range byPipeline {
		slices.SortFunc(rs, func(a, b state.Run) int { return a.StartedAt.Compare(b.StartedAt) })
		for i := 1; i < len(rs); i++ {
			if prev := rs[i-1]; prev.FinishedAt.IsZero() || rs[i].StartedAt.Before(prev.FinishedAt) {
				t.Errorf("%s: run %s (by %s) started at %s, before run %s (by %s) finished at %s", p,
					rs[i].RunID, rs[i].Runner, rs[i].StartedAt, prev.RunID, prev.Runner, prev.FinishedAt)
			}
		}
	}
}

// checkClusterPages: a replica's status page and /metrics show the cluster, its
// leader, and whether the replica serving them leads.
func checkClusterPages(t *testing.T, addr, replica, leader string) {
	t.Helper()
	get := func(path string) string {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %v", path, resp.StatusCode, err)
		}
		return string(b)
	}
	page := get("/")
	for _, want := range []string{`data-field="replica">` + replica + "<", `data-field="leader">` + leader + "<",
		`data-tick-replica="`} {
		if !strings.Contains(page, want) {
			t.Errorf("%s's status page lacks %q", replica, want)
		}
	}
	isLeader := "0"
	if replica == leader {
		isLeader = "1"
	}
	metrics := get("/metrics")
	for _, want := range []string{`leadsync_cluster_leader{replica="` + leader + `"} 1`,
		`leadsync_cluster_replica_is_leader{replica="` + replica + `"} ` + isLeader,
		`leadsync_cluster_tick_jobs{state="completed"}`, "leadsync_cluster_credits_spent_today "} {
		if !strings.Contains(metrics, want) {
			t.Errorf("%s's /metrics lacks %q", replica, want)
		}
	}
}

// sandboxOnPostgres starts the sandbox's fakes with a database of the test's own, whose
// URL the environment gives as TEST_STATE_URL (the config still names its SQLite file).
func sandboxOnPostgres(t *testing.T, seed int64, leads int) (*sandbox.Sandbox, []string) {
	t.Helper()
	dsn := pgtest.Database(t)
	sb, err := sandbox.Start(sandbox.Options{Seed: seed, Leads: leads, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	return sb, append(sb.Environ("127.0.0.1:0"), "TEST_STATE_URL="+dsn)
}

// TestStoppedReplicaHandsItsRunBack: a replica stopped (SIGTERM) in the middle of a
// run finishes its page, records the run, and hands the tick back; the other replica
// takes the same tick job and carries the pipeline on from the committed cursor.
func TestStoppedReplicaHandsItsRunBack(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	sb, environ := sandboxOnPostgres(t, 5, 1500)
	b, err := os.ReadFile(sb.Config)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(b), "state: { path: leadsync-sandbox.db }", `state: { url: "${env:TEST_STATE_URL}", migrate: auto }`, 1)
	text = strings.Replace(text, "rate: { per_second: 25 }", "rate: { per_second: 5 }", 1) // a first run of 15 pages, some seconds long
	if err := os.WriteFile(sb.Config, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	ra := startReplica(t, sb.Config, environ, log)
	a, stopA, doneA := ra.d, ra.stop, ra.done
	store := a.Engine.Store
	replicaA := a.Replica()
	var cut state.Run
	const pipeline = "hubspot-contacts"
	waitUntil(t, "the first run of "+pipeline+" on "+replicaA+" with a page committed", func() bool {
		runs, err := store.Runs(t.Context(), pipeline, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(runs) != 1 || !runs[0].FinishedAt.IsZero() {
			return false
		}
		cur, err := store.Cursor(t.Context(), pipeline)
		if err != nil {
			t.Fatal(err)
		}
		cut = runs[0]
		return cur != "" // the first run committed a page, and goes on
	})
	t0 := time.Now()
	stopA()
	if err := <-doneA; err != nil {
		t.Fatal(err)
	}
	stopped, err := store.Run(t.Context(), cut.RunID)
	if err != nil || stopped.FinishedAt.IsZero() {
		t.Fatalf("the run cut by the stop: %+v, %v; want it recorded as ended", stopped, err)
	}
	t.Logf("A stopped after %v", time.Since(t0))
	b2 := startReplica(t, sb.Config, environ, log).d
	replicaB := b2.Replica()
	var took state.Run
	waitUntil(t, replicaB+" taking "+pipeline+" on", func() bool {
		runs, err := store.Runs(t.Context(), pipeline, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range runs {
			if strings.HasPrefix(r.Runner, replicaB+"/") {
				took = r
				return true
			}
		}
		return false
	})
	t.Logf("B took over after %v", time.Since(t0))
	// The handed-back tick is the same job: B's run holds it as a later attempt.
	job := func(runner string) string {
		_, j, _ := strings.Cut(runner, "/job-")
		j, _, _ = strings.Cut(j, ".")
		return j
	}
	if job(took.Runner) != job(cut.Runner) {
		t.Errorf("%s's first run of %s is %s's, not a later attempt of the stopped run's tick %s",
			replicaB, pipeline, took.Runner, cut.Runner)
	}
}

// verifyNoLeaksAtEnd checks, as t's last cleanup (after the fakes close), that t left
// no goroutine. River's tickers of an earlier cluster test in the package may still be
// winding down: River ends them after its Stop returns.
func verifyNoLeaksAtEnd(t *testing.T) {
	t.Helper()
	opts := []goleak.Option{goleak.IgnoreCurrent(),
		goleak.IgnoreTopFunction("github.com/riverqueue/river/rivershared/util/timeutil.(*TickerWithInitialTick).runLoop")}
	t.Cleanup(func() { goleak.VerifyNone(t, opts...) })
}

// onBothBackends runs fn on a sandbox (seed, leads) whose state is a SQLite file,
// then on one whose state is a PostgreSQL database of the test's own (skipped
// without a server), as subtests.
func onBothBackends(t *testing.T, seed int64, leads int, fn func(t *testing.T, sb *sandbox.Sandbox, environ []string)) {
	t.Run("sqlite", func(t *testing.T) {
		sb, err := sandbox.Start(sandbox.Options{Seed: seed, Leads: leads, Dir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(sb.Close)
		fn(t, sb, sb.Environ("127.0.0.1:0"))
	})
	t.Run("postgres", func(t *testing.T) {
		sb, environ := sandboxOnPostgres(t, seed, leads)
		b, err := os.ReadFile(sb.Config)
		if err != nil {
			t.Fatal(err)
		}
		text := strings.Replace(string(b), "state: { path: leadsync-sandbox.db }",
			`state: { url: "${env:TEST_STATE_URL}", migrate: auto }`, 1)
		if err := os.WriteFile(sb.Config, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		fn(t, sb, environ)
	})
}

// getenvOf looks variables up in environ, as the daemon's getenv does in the process's.
func getenvOf(environ []string) func(string) string {
	return func(k string) string {
		for _, kv := range environ {
			if v, ok := strings.CutPrefix(kv, k+"="); ok {
				return v
			}
		}
		return ""
	}
}

// replicaOn is a daemon whose engine the config at path builds, started as a replica
// of the cluster its PostgreSQL state names; stop cancels it, done gives Run's end.
type replicaOn struct {
	d    *connector.Daemon
	addr string
	stop context.CancelFunc
	done chan error
}

func startReplica(t *testing.T, path string, environ []string, log *slog.Logger) replicaOn {
	t.Helper()
	cfg, err := config.Load(path, environ)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := connector.Build(t.Context(), cfg, getenvOf(environ), log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	ready, done := make(chan string, 1), make(chan error, 1)
	d := &connector.Daemon{Engine: eng, Logger: log, Ready: func(a string) { ready <- a },
		Cluster: connector.ReplicaOf(eng, log)}
	go func() { done <- d.Run(ctx) }()
	select {
	case a := <-ready:
		return replicaOn{d: d, addr: a, stop: cancel, done: done}
	case err := <-done:
		t.Fatalf("a replica did not start: %v", err)
	}
	return replicaOn{}
}
