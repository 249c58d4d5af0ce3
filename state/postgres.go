package state

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
)

// postgresWriteLock is the first statement of every PostgreSQL write transaction.
// Code shared with SQLite reads then writes inside one transaction (leases, claims,
// fences, ForgetPerson's search) and relies on SQLite's single writer: no other
// write runs in between. One transaction-scoped advisory lock gives every replica's
// writes that same order, at the cost of a lock round trip, without retries: write
// transactions last milliseconds, and under READ COMMITTED each statement after the
// lock sees every write committed before it. SERIALIZABLE would need every caller's
// transaction to be retried on 40001, River's JobCompleteTx in FinishRunTx included.
// The key is the application id ("LSNC") and 1; migrations use 2.
const postgresWriteLock = `SELECT pg_advisory_xact_lock(1280528963, 1)`

// Postgres is the Store kept in a PostgreSQL database, shared by every replica
// of leadsync. It runs the same queries as SQLite, through pgx.
type Postgres struct {
	store
	pool *pgxpool.Pool
}

// OpenPostgres connects to the database at url (postgres://…). Its schema must be
// this binary's: an older one is refused (run `leadsync migrate`, or pass
// WithAutoMigrate), a newer one too (ErrSchemaTooNew), and neither is changed.
func OpenPostgres(ctx context.Context, url string, opts ...Option) (*Postgres, error) {
	o := applyOptions(opts)
	if o.autoMigrate {
		if _, _, err := MigratePostgres(ctx, url); err != nil {
			return nil, err
		}
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("state: open postgres: %w", err)
	}
	if err := checkPostgresSchema(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	d := newPostgresDialect()
	db := newSQLDB(stdlib.OpenDBFromPool(pool), d)
	p := &Postgres{store: store{w: db, r: db, now: o.now, d: d}, pool: pool}
	// Erased rows stay as dead tuples until autovacuum reclaims them; unlike
	// SQLite's WAL they are not readable through SQL, and a replica cannot force
	// the server's own log, so there is nothing to do after ForgetPerson.
	p.afterErase = func(context.Context) error { return nil }
	p.compact = p.Compact
	return p, nil
}

// Pool is the connection pool, for River and for transactions that span the
// store and a job queue (FinishRunTx).
func (p *Postgres) Pool() *pgxpool.Pool { return p.pool }

// Close closes the pool.
func (p *Postgres) Close() error {
	err := p.w.close()
	p.pool.Close()
	return err
}

// Compact gives the space of pruned rows back for reuse with a plain VACUUM of
// the tables Prune deletes from (VACUUM FULL would give it to the file system, but
// locks the tables against every replica). PostgreSQL keeps no count of pages
// freed that way, so it returns 0.
func (p *Postgres) Compact(ctx context.Context) (int, error) {
	if _, err := p.pool.Exec(ctx, `VACUUM runs, run_field_actions, spend, ledger`); err != nil {
		return 0, fmt.Errorf("state: compact: %w", err)
	}
	return 0, nil
}

// Checkpoint does nothing: the server manages its own write-ahead log.
func (p *Postgres) Checkpoint(context.Context) error { return nil }

// FinishRunTx stores the end of run r as FinishRun does and runs then in the same
// transaction (River's JobCompleteTx, say): both commit, or neither does.
func (p *Postgres) FinishRunTx(ctx context.Context, r Run, then func(ctx context.Context, tx pgx.Tx) error) error {
	r.FinishedAt = orNow(r.FinishedAt, p.now)
	return pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, postgresWriteLock); err != nil {
			return fmt.Errorf("state: finish run %s: %w", r.RunID, err)
		}
		if err := finishRun(ctx, pgxExec{tx: tx, d: p.d}, r); err != nil {
			return err
		}
		if err := then(ctx, tx); err != nil {
			return fmt.Errorf("state: finish run %s: in the same transaction: %w", r.RunID, err)
		}
		return nil
	})
}

// pgxExec runs the shared statements of a write transaction in a pgx one.
type pgxExec struct {
	tx pgx.Tx
	d  *dialect
}

func (e pgxExec) exec(ctx context.Context, q string, args ...any) (int64, error) {
	tag, err := e.tx.Exec(ctx, e.d.bind(q), args...)
	return tag.RowsAffected(), err
}
