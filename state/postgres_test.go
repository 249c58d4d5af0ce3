package state_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/leadsync/leadsync/state"
	"github.com/leadsync/leadsync/state/pgtest"
	"github.com/leadsync/leadsync/state/statetest"
)

func TestPostgresConformance(t *testing.T) {
	pgtest.URL(t)
	statetest.RunStoreTests(t, func(t *testing.T, now func() time.Time) state.Store {
		return newPostgres(t, state.WithClock(now))
	})
}

// TestPostgresMigrate: a database is refused until migrated, migrated once, and
// refused untouched when a newer leadsync migrated it.
func TestPostgresMigrate(t *testing.T) {
	ctx := t.Context()
	u := newPostgresDB(t)
	known := state.SchemaVersion()

	_, err := state.OpenPostgres(ctx, u)
	if !errors.Is(err, state.ErrSchemaTooOld) || !strings.Contains(err.Error(), "leadsync migrate") ||
		!strings.Contains(err.Error(), "version 0") {
		t.Fatalf("OpenPostgres of an empty database = %v; want ErrSchemaTooOld saying to run leadsync migrate", err)
	}
	if n := queryPG(t, u, `SELECT count(*) FROM pg_tables WHERE schemaname = 'public'`); n != 0 {
		t.Errorf("the refused open created %d tables", n)
	}

	if from, to, err := state.MigratePostgres(ctx, u); err != nil || from != 0 || to != known {
		t.Fatalf("MigratePostgres = %d, %d, %v; want 0, %d", from, to, err, known)
	}
	// A URL with the pool's own settings (pool_max_conns) migrates and opens alike.
	pooled := u + "&pool_max_conns=16"
	if !strings.Contains(u, "?") {
		pooled = u + "?pool_max_conns=16"
	}
	if from, to, err := state.MigratePostgres(ctx, pooled); err != nil || from != known || to != known {
		t.Fatalf("MigratePostgres again = %d, %d, %v; want %d, %d", from, to, err, known, known)
	}
	if p, err := state.OpenPostgres(ctx, pooled); err != nil || p.Pool().Config().MaxConns != 16 {
		t.Fatalf("OpenPostgres with pool_max_conns: %v", err)
	} else {
		p.Close()
	}
	p := openPostgres(t, u)
	if err := p.SaveRefreshToken(ctx, "a", "tok"); err != nil {
		t.Fatal(err)
	}

	newer := known + 2
	adminExec(t, u, fmt.Sprintf(`UPDATE leadsync_schema SET version = %d`, newer))
	for _, open := range []struct {
		name string
		fn   func() error
	}{
		{"OpenPostgres", func() error { _, err := state.OpenPostgres(ctx, u); return err }},
		{"OpenPostgres auto", func() error { _, err := state.OpenPostgres(ctx, u, state.WithAutoMigrate()); return err }},
		{"MigratePostgres", func() error { _, _, err := state.MigratePostgres(ctx, u); return err }},
	} {
		err := open.fn()
		if msg := fmt.Sprint(err); !errors.Is(err, state.ErrSchemaTooNew) ||
			!strings.Contains(msg, "version "+strconv.Itoa(newer)) || !strings.Contains(msg, "up to "+strconv.Itoa(known)) {
			t.Errorf("%s of a newer database = %v; want ErrSchemaTooNew naming %d and %d", open.name, err, newer, known)
		}
	}
	if v := queryPG(t, u, `SELECT version FROM leadsync_schema`); v != newer {
		t.Errorf("schema version = %d after the refusals, want %d", v, newer)
	}
	if tok, err := p.RefreshToken(ctx, "a"); err != nil || tok != "tok" {
		t.Errorf("RefreshToken = %q, %v; want the token still there", tok, err)
	}
}

// TestPostgresMigrationsEndAtSchemaVersion keeps the two backends' schema versions
// one: the last PostgreSQL migration is the last SQLite one.
func TestPostgresMigrationsEndAtSchemaVersion(t *testing.T) {
	p := newPostgres(t)
	var v int
	if err := p.Pool().QueryRow(t.Context(), `SELECT version FROM leadsync_schema`).Scan(&v); err != nil || v != state.SchemaVersion() {
		t.Errorf("schema version = %d, %v; want %d", v, err, state.SchemaVersion())
	}
}

// TestPostgresReplicasMigrateAtOnce: replicas starting together migrate once.
func TestPostgresReplicasMigrateAtOnce(t *testing.T) {
	u := newPostgresDB(t)
	const replicas = 4
	froms := make([]int, replicas)
	var wg sync.WaitGroup
	for i := range replicas {
		wg.Go(func() {
			var to int
			var err error
			froms[i], to, err = state.MigratePostgres(context.Background(), u)
			if err != nil || to != state.SchemaVersion() {
				t.Errorf("replica %d: MigratePostgres = %d, %v", i, to, err)
			}
		})
	}
	wg.Wait()
	fresh := 0
	for _, from := range froms {
		if from == 0 {
			fresh++
		}
	}
	if fresh != 1 {
		t.Errorf("migrations started from %v; want exactly one replica starting from 0", froms)
	}
}

// TestPostgresTwoProcesses has two stores on one database (two replicas) race for
// the same leases and identity claims, round after round: one wins each.
func TestPostgresTwoProcesses(t *testing.T) {
	u := newPostgresDB(t)
	stores := []*state.Postgres{openPostgres(t, u, state.WithAutoMigrate()), openPostgres(t, u)}
	const rounds = 40
	for round := range rounds {
		pipeline, key := fmt.Sprint("p", round), fmt.Sprint("key-", round)
		var (
			wg               sync.WaitGroup
			leases, claims   [2]bool
			leaseErr, claimE [2]error
		)
		for i, s := range stores {
			owner := fmt.Sprint("replica-", i)
			wg.Go(func() {
				_, leaseErr[i] = s.Acquire(context.Background(), pipeline, owner, time.Minute)
				leases[i] = leaseErr[i] == nil
				var got []string
				got, claimE[i] = s.ClaimIdentities(context.Background(), owner, []string{key}, time.Minute)
				claims[i] = len(got) == 1
			})
		}
		wg.Wait()
		for i := range stores {
			if leaseErr[i] != nil && !errors.Is(leaseErr[i], state.ErrLeaseHeld) {
				t.Fatalf("round %d: replica %d: Acquire: %v", round, i, leaseErr[i])
			}
			if claimE[i] != nil {
				t.Fatalf("round %d: replica %d: ClaimIdentities: %v", round, i, claimE[i])
			}
		}
		if leases[0] == leases[1] || claims[0] == claims[1] {
			t.Fatalf("round %d: leases won %v, claims won %v; want exactly one winner of each", round, leases, claims)
		}
	}
}

// TestFinishRunTx: the run's end and the caller's work commit together, or not at
// all.
func TestFinishRunTx(t *testing.T) {
	ctx := t.Context()
	p := newPostgres(t)
	if _, err := p.Pool().Exec(ctx, `CREATE TABLE jobs (id integer)`); err != nil {
		t.Fatal(err)
	}
	start := statetest.Epoch
	if err := p.StartRun(ctx, state.Run{RunID: "r", Pipeline: "p", Status: "running", StartedAt: start, Runner: "host-a"}); err != nil {
		t.Fatal(err)
	}
	end := state.Run{RunID: "r", Pipeline: "p", Status: "ok", FinishedAt: start.Add(time.Minute),
		Counts: state.RunCounts{RecordsRead: 3}, FieldActions: state.FieldActions{"title": {"write": 2}}}
	job := func(fail error) func(context.Context, pgx.Tx) error {
		return func(ctx context.Context, tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `INSERT INTO jobs VALUES (1)`); err != nil {
				return err
			}
			return fail
		}
	}
	boom := errors.New("boom")
	if err := p.FinishRunTx(ctx, end, job(boom)); !errors.Is(err, boom) {
		t.Fatalf("FinishRunTx with a failing then = %v; want boom", err)
	}
	if r, err := p.Run(ctx, "r"); err != nil || r.Status != "running" || !r.FinishedAt.IsZero() {
		t.Errorf("run after the failed FinishRunTx = %+v, %v; want still running", r, err)
	}
	if fa, err := p.FieldActionsOf(ctx, "p", start); err != nil || len(fa) != 0 {
		t.Errorf("field actions after the failed FinishRunTx = %v, %v; want none", fa, err)
	}
	if n := queryPool(t, p, `SELECT count(*) FROM jobs`); n != 0 {
		t.Errorf("jobs after the failed FinishRunTx = %d; want 0", n)
	}

	if err := p.FinishRunTx(ctx, end, job(nil)); err != nil {
		t.Fatal(err)
	}
	r, err := p.Run(ctx, "r")
	if err != nil || r.Status != "ok" || !r.FinishedAt.Equal(end.FinishedAt) || r.Counts != end.Counts || r.Runner != "host-a" {
		t.Errorf("run after FinishRunTx = %+v, %v", r, err)
	}
	if fa, err := p.FieldActionsOf(ctx, "p", start); err != nil || fa["title"]["write"] != 2 {
		t.Errorf("field actions = %v, %v; want title write 2", fa, err)
	}
	if n := queryPool(t, p, `SELECT count(*) FROM jobs`); n != 1 {
		t.Errorf("jobs = %d; want 1", n)
	}
	if err := p.FinishRunTx(ctx, state.Run{RunID: "nope", Status: "ok"}, job(nil)); !errors.Is(err, state.ErrNoRun) {
		t.Errorf("FinishRunTx of an unknown run = %v; want ErrNoRun", err)
	}
}

func queryPool(t *testing.T, p *state.Postgres, sql string) int {
	t.Helper()
	var n int
	if err := p.Pool().QueryRow(t.Context(), sql).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// TestPostgresWritesQueueBehindTheWriteLock: a write transaction reads after
// every write committed before it, as under SQLite's single writer. A fenced
// commit waits while another replica holds the write lock and takes the lease
// over; it then finds the lease lost and writes nothing.
func TestPostgresWritesQueueBehindTheWriteLock(t *testing.T) {
	ctx := t.Context()
	p := newPostgres(t, state.WithClock(statetest.NewClock().Now))
	l, err := p.Acquire(ctx, "p", "replica-a", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	other, err := p.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // no-op after Commit
	if _, err := other.Exec(ctx, state.PostgresWriteLock); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		done <- p.CommitPage(ctx, state.PageCommit{Pipeline: "p", Fence: l.Fence(), Cursor: new("c-1")})
	}()
	for queryPool(t, p, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`) == 0 {
		select {
		case err := <-done:
			t.Fatalf("CommitPage = %v without waiting for the write lock", err)
		case <-time.After(time.Millisecond):
		}
	}
	if _, err := other.Exec(ctx, `UPDATE leases SET owner = 'replica-b', generation = generation + 1`); err != nil {
		t.Fatal(err)
	}
	if err := other.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, state.ErrLeaseLost) {
		t.Errorf("CommitPage after the takeover = %v; want ErrLeaseLost", err)
	}
	if cur, err := p.Cursor(ctx, "p"); err != nil || cur != "" {
		t.Errorf("cursor = %q, %v; want none written", cur, err)
	}
}
