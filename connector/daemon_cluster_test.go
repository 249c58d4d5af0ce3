package connector_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.uber.org/goleak"

	"github.com/leadsync/leadsync/connector"
	"github.com/leadsync/leadsync/connector/cluster"
	"github.com/leadsync/leadsync/connector/cluster/clustertest"
	"github.com/leadsync/leadsync/connector/config"
	"github.com/leadsync/leadsync/connector/observe"
	"github.com/leadsync/leadsync/connector/sandbox"
	"github.com/leadsync/leadsync/state"
)

// pgThenStore stands in for the PostgreSQL store: it stores a run's end in the SQLite
// store within the PostgreSQL transaction that completes the tick's job.
type pgThenStore struct {
	pool  *pgxpool.Pool
	store state.Store
}

func (s pgThenStore) FinishRunTx(ctx context.Context, r state.Run, then func(context.Context, pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := then(ctx, tx); err != nil {
			return err
		}
		return s.store.FinishRun(ctx, r)
	})
}

// TestDaemonInClusterMode: a daemon whose ticks are a cluster's runs every pipeline at
// start through the tick jobs (the run's end completing each), reschedules them on a
// reload, and stops without leaving a goroutine.
func TestDaemonInClusterMode(t *testing.T) {
	pool := clustertest.NewDB(t)
	if err := cluster.Migrate(t.Context(), pool); err != nil {
		t.Fatal(err)
	}
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	sb, err := sandbox.Start(sandbox.Options{Seed: 7, Leads: 40, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	environ := sb.Environ("127.0.0.1:0")
	getenv := func(k string) string {
		for _, kv := range environ {
			if v, ok := strings.CutPrefix(kv, k+"="); ok {
				return v
			}
		}
		return ""
	}
	setSchedule := func(every string) *config.Config {
		b, err := os.ReadFile(sb.Config)
		if err != nil {
			t.Fatal(err)
		}
		text := strings.ReplaceAll(string(b), `"@every 30s"`, `"`+every+`"`)
		text = strings.ReplaceAll(text, `"@every 1h"`, `"`+every+`"`)
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
	store := pgThenStore{pool: pool, store: eng.Store}
	reloads := make(chan struct{}, 1)
	ready := make(chan string, 1)
	d := &connector.Daemon{Engine: eng, Logger: log, Reloads: reloads, Ready: func(a string) { ready <- a },
		Load: func(m *observe.Metrics) (*connector.Engine, error) {
			return connector.BuildWith(setSchedule("@every 2h"), getenv, log, eng.Store, m)
		},
		Cluster: func(run cluster.RunFunc) (connector.Replica, error) {
			return cluster.New(cluster.Config{Pool: pool, Store: store, Run: run, ID: "replica-1",
				LeaseTTL: eng.Config.LeaseTTL, Logger: log})
		}}
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
			WHERE kind = $1 AND state = 'completed' AND attempted_by[cardinality(attempted_by)] = 'replica-1' GROUP BY 1`, cluster.TickKind)
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
	if st.Replica != "replica-1" || st.Leader != "replica-1" || len(st.Ticks) < len(eng.Pipelines) {
		t.Errorf("cluster status %+v: want replica-1 leading and a tick per pipeline", st)
	}
	for _, tk := range st.Ticks {
		if tk.Replica != "replica-1" {
			t.Errorf("tick %d of %s ran on %q, want replica-1", tk.JobID, tk.Pipeline, tk.Replica)
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
