package state

import (
	"context"
	"database/sql"
	"errors"
)

// sqlDB is a pool whose queries are bound for its dialect.
type sqlDB struct {
	*sql.DB
	d     *dialect
	cache *stmtCache // nil unless the dialect prepares
}

func newSQLDB(db *sql.DB, d *dialect) *sqlDB {
	s := &sqlDB{DB: db, d: d}
	if d.prepare {
		s.cache = newStmtCache(db)
	}
	return s
}

func (db *sqlDB) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return db.DB.QueryContext(ctx, db.d.bind(q), args...)
}

func (db *sqlDB) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return db.DB.QueryRowContext(ctx, db.d.bind(q), args...)
}

func (db *sqlDB) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return db.DB.ExecContext(ctx, db.d.bind(q), args...)
}

// stmt is a statement run many times: prepared once (SQLite) or by the driver.
type stmt interface {
	ExecContext(ctx context.Context, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, args ...any) *sql.Row
}

// stmt returns q's statement on the pool.
func (db *sqlDB) stmt(ctx context.Context, q string) (stmt, error) {
	if db.cache == nil {
		return boundStmt{q: db.d.bind(q), exec: db.DB.ExecContext, row: db.DB.QueryRowContext}, nil
	}
	return db.cache.get(ctx, q)
}

func (db *sqlDB) close() error {
	var err error
	if db.cache != nil {
		err = db.cache.close()
	}
	return errors.Join(err, db.DB.Close())
}

// boundStmt runs a query through a pool or transaction that prepares it itself.
type boundStmt struct {
	q    string
	exec func(context.Context, string, ...any) (sql.Result, error)
	row  func(context.Context, string, ...any) *sql.Row
}

func (b boundStmt) ExecContext(ctx context.Context, args ...any) (sql.Result, error) {
	return b.exec(ctx, b.q, args...)
}

func (b boundStmt) QueryRowContext(ctx context.Context, args ...any) *sql.Row {
	return b.row(ctx, b.q, args...)
}

// txn is a write transaction whose queries are bound for its dialect.
type txn struct {
	*sql.Tx
	db *sqlDB
}

func (tx *txn) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return tx.Tx.QueryContext(ctx, tx.db.d.bind(q), args...)
}

func (tx *txn) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return tx.Tx.QueryRowContext(ctx, tx.db.d.bind(q), args...)
}

func (tx *txn) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return tx.Tx.ExecContext(ctx, tx.db.d.bind(q), args...)
}

// exec runs a statement and returns how many rows it changed (see execer).
func (tx *txn) exec(ctx context.Context, q string, args ...any) (int64, error) {
	res, err := tx.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// stmt returns q's statement in the transaction.
func (tx *txn) stmt(ctx context.Context, q string) (stmt, error) {
	if tx.db.cache == nil {
		return boundStmt{q: tx.db.d.bind(q), exec: tx.Tx.ExecContext, row: tx.Tx.QueryRowContext}, nil
	}
	return tx.db.cache.inTx(ctx, tx.Tx, q)
}

// execer runs one statement of a write transaction and says how many rows it
// changed: a database/sql transaction (txn) or, for FinishRunTx, a pgx one.
type execer interface {
	exec(ctx context.Context, q string, args ...any) (int64, error)
}
