package connector

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/leadsync/leadsync/connector/account"
	"github.com/leadsync/leadsync/connector/account/pgshare"
	"github.com/leadsync/leadsync/connector/cluster"
	"github.com/leadsync/leadsync/connector/config"
	"github.com/leadsync/leadsync/state"
)

// OpenStore opens the state store the config names: the SQLite file of state.path,
// migrated as it opens, or the PostgreSQL database of state.url, migrated on open only
// with state.migrate: auto (else `leadsync migrate` does it, and an old schema is
// refused).
func OpenStore(ctx context.Context, cfg *config.Config, getenv func(string) string) (state.Backend, error) {
	if !cfg.State.Postgres() {
		return state.Open(ctx, cfg.Resolve(cfg.State.Path))
	}
	dsn, err := cfg.State.DSN(getenv)
	if err != nil {
		return nil, err
	}
	var opts []state.Option
	if cfg.State.AutoMigrate() {
		if err := migrateShared(ctx, dsn.Reveal()); err != nil {
			return nil, err
		}
		opts = append(opts, state.WithAutoMigrate())
	}
	return state.OpenPostgres(ctx, dsn.Reveal(), opts...)
}

// pooled is a store on PostgreSQL: its pool serves the limits every replica shares.
type pooled interface{ Pool() *pgxpool.Pool }

// sharedLimits are the account limits a store's replicas share: nil (each process
// its own) on SQLite, PostgreSQL's token buckets and credit bookings otherwise.
func sharedLimits(store any, log *slog.Logger) account.Shared {
	p, ok := store.(pooled)
	if !ok {
		return nil
	}
	return pgshare.New(p.Pool(), pgshare.Options{Logger: log})
}

// Migrate brings the config's store to this binary's schema: the state tables and,
// on PostgreSQL, the shared limits' tables. It reports the schema versions before and
// after (equal when there was nothing to do).
func Migrate(ctx context.Context, cfg *config.Config, getenv func(string) string) (from, to int, err error) {
	if !cfg.State.Postgres() {
		return state.MigrateFile(ctx, cfg.Resolve(cfg.State.Path))
	}
	dsn, err := cfg.State.DSN(getenv)
	if err != nil {
		return 0, 0, err
	}
	if err := migrateShared(ctx, dsn.Reveal()); err != nil {
		return 0, 0, err
	}
	return state.MigratePostgres(ctx, dsn.Reveal())
}

// migrateShared creates the tables beside the state's that replicas share: the
// account limits' and River's jobs.
func migrateShared(ctx context.Context, dsn string) error {
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		return fmt.Errorf("state: %w", err)
	}
	defer pool.Close()
	if err := pgshare.Migrate(ctx, pool); err != nil {
		return fmt.Errorf("migrate shared limits: %w", err)
	}
	if err := cluster.Migrate(ctx, pool); err != nil {
		return fmt.Errorf("migrate River's tables: %w", err)
	}
	return nil
}

// CopyState copies the SQLite state file at from into the PostgreSQL database at dsn,
// migrating both first (the file to this binary's schema, the database from empty).
// The database must hold no state yet: Copy refuses one that does.
func CopyState(ctx context.Context, from, dsn string) (state.CopyReport, error) {
	if _, err := os.Stat(from); err != nil {
		return state.CopyReport{}, fmt.Errorf("state file: %w", err)
	}
	src, err := state.Open(ctx, from)
	if err != nil {
		return state.CopyReport{}, err
	}
	defer src.Close()
	if err := migrateShared(ctx, dsn); err != nil {
		return state.CopyReport{}, err
	}
	dst, err := state.OpenPostgres(ctx, dsn, state.WithAutoMigrate())
	if err != nil {
		return state.CopyReport{}, err
	}
	defer dst.Close()
	return state.Copy(ctx, src, dst)
}

var replicasInProcess atomic.Int64

// ReplicaOf makes the daemon on eng's store a replica of a cluster when that store is
// PostgreSQL (River's periodic jobs tick the pipelines); nil on SQLite, where the
// daemon is one process with its own cron. Replicas are named host-pid: a pod's host
// name is its own.
func ReplicaOf(eng *Engine, log *slog.Logger) func(run cluster.RunFunc) (Replica, error) {
	pg, ok := eng.Store.(*state.Postgres)
	if !ok {
		return nil
	}
	host, _ := os.Hostname()
	id := strings.ReplaceAll(fmt.Sprintf("%s-%d", cmp.Or(host, "replica"), os.Getpid()), "/", "-")
	if n := replicasInProcess.Add(1); n > 1 { // tests run several in one process
		id = fmt.Sprintf("%s-%d", id, n)
	}
	return func(run cluster.RunFunc) (Replica, error) {
		return cluster.New(cluster.Config{Pool: pg.Pool(), Store: pg, Run: run, ID: id,
			LeaseTTL: eng.Config.LeaseTTL, MaxWorkers: eng.Config.State.ReplicaRuns, Logger: log})
	}
}
