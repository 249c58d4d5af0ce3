package cluster

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.uber.org/goleak"

	"github.com/leadsync/leadsync/connector/run"
	"github.com/leadsync/leadsync/state"
	"github.com/leadsync/leadsync/state/pgtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// newDB makes a fresh database with River's schema and a runs table for the fake
// store.
func newDB(t *testing.T) *pgxpool.Pool {
	t.Helper()
	pool := pgtest.Pool(t)
	if err := Migrate(t.Context(), pool); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(t.Context(), `CREATE TABLE runs (run_id text PRIMARY KEY, pipeline text NOT NULL, status text NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	return pool
}

// txStore is the PostgreSQL store's FinishRunTx: the run's row and then's work commit
// together. With fail set, its own write fails after then ran, and all rolls back.
type txStore struct {
	pool *pgxpool.Pool
	fail bool
}

func (s *txStore) FinishRunTx(ctx context.Context, r state.Run, then func(context.Context, pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := then(ctx, tx); err != nil {
			return err
		}
		if s.fail {
			_, err := tx.Exec(ctx, `INSERT INTO no_such_table VALUES (1)`)
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO runs (run_id, pipeline, status) VALUES ($1, $2, $3)`, r.RunID, r.Pipeline, r.Status)
		return err
	})
}

// newCluster starts a replica named id that runs ticks with fn; it is stopped when
// the test ends unless the test stopped it.
func newCluster(t *testing.T, pool *pgxpool.Pool, store Store, id string, fn RunFunc) *Cluster {
	t.Helper()
	return newClusterTTL(t, pool, store, id, fn, time.Minute)
}

// newClusterTTL is newCluster with a lease TTL of its own, which sets the job timeout.
func newClusterTTL(t *testing.T, pool *pgxpool.Pool, store Store, id string, fn RunFunc, ttl time.Duration) *Cluster {
	t.Helper()
	c, err := New(Config{Pool: pool, Store: store, Run: fn, ID: id, LeaseTTL: ttl, testOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Stop(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return c
}

// waitFor polls cond until it holds; the bound is only there to fail rather than hang.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// finishing is a run that ends at once, through its Finish hook, as run.Runner.Run does.
func finishing(ran func(pipeline string)) RunFunc {
	var mu sync.Mutex
	n := 0
	return func(ctx context.Context, pipeline string, opts run.Options) error {
		mu.Lock()
		n++
		id := pipeline + "-" + strconv.Itoa(n) + "-" + opts.Owner
		mu.Unlock()
		if ran != nil {
			ran(pipeline)
		}
		return opts.Finish(ctx, state.Run{RunID: id, Pipeline: pipeline, Status: "ok"})
	}
}

func jobState(t *testing.T, pool *pgxpool.Pool, id int64) (st string, attempt int, by []string) {
	t.Helper()
	err := pool.QueryRow(context.Background(), `SELECT state::text, attempt, coalesce(attempted_by, '{}') FROM river_job WHERE id = $1`, id).
		Scan(&st, &attempt, &by)
	if err != nil {
		t.Fatal(err)
	}
	return st, attempt, by
}

func count(t *testing.T, pool *pgxpool.Pool, query string, args ...any) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
