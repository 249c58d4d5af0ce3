package state

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// stmtCache keeps the statements that run once per record or per page prepared, so
// that SQLite parses and plans each once per connection, not once per call: the
// profile of a sync showed statement preparation at a tenth of its CPU. database/sql
// prepares a cached *sql.Stmt again on any other connection of the pool by itself,
// and Tx.StmtContext reuses it on the transaction's connection.
type stmtCache struct {
	db *sql.DB
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

func newStmtCache(db *sql.DB) *stmtCache { return &stmtCache{db: db, m: map[string]*sql.Stmt{}} }

// prepare prepares queries now, while no transaction holds a connection.
func (c *stmtCache) prepare(ctx context.Context, queries ...string) error {
	for _, q := range queries {
		if _, err := c.get(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// get returns the prepared statement for query, preparing it on first use. It does
// not hold the lock while preparing: preparing waits for a free connection, which a
// caller waiting on the lock may hold.
func (c *stmtCache) get(ctx context.Context, query string) (*sql.Stmt, error) {
	c.mu.Lock()
	st, ok := c.m[query]
	c.mu.Unlock()
	if ok {
		return st, nil
	}
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if first, ok := c.m[query]; ok { // another caller prepared it meanwhile
		return first, st.Close()
	}
	c.m[query] = st
	return st, nil
}

// inTx returns query's statement bound to tx, from the cache when prepared there,
// else prepared on the transaction alone: preparing it for the cache would need a
// second connection, and the writer has one. Either needs no closing (the
// transaction's end does it).
func (c *stmtCache) inTx(ctx context.Context, tx *sql.Tx, query string) (*sql.Stmt, error) {
	c.mu.Lock()
	st, ok := c.m[query]
	c.mu.Unlock()
	if !ok {
		return tx.PrepareContext(ctx, query)
	}
	return tx.StmtContext(ctx, st), nil
}

func (c *stmtCache) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for q, st := range c.m {
		errs = append(errs, st.Close())
		delete(c.m, q)
	}
	return errors.Join(errs...)
}
