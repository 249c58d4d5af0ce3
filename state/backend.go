package state

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Backend is what the daemon and its commands need from a state store, whichever
// keeps it: *SQLite (a file) or *Postgres (shared by replicas).
type Backend interface {
	Inspector
	Pruner
	TokenStore
	Inbox
	// PersonRecords lists the CRM records of the person ForgetPerson would erase.
	PersonRecords(ctx context.Context, f Forget) ([]PersonRecord, error)
	RecordCounts(ctx context.Context, pipeline string) (map[string]map[string]int, error)
	// EnrichedBy lists the Lusha people and companies a pipeline wrote.
	EnrichedBy(ctx context.Context, pipeline string) ([]Enriched, error)
	// Compact gives space back after a prune; Checkpoint keeps the log short.
	Compact(ctx context.Context) (int, error)
	Checkpoint(ctx context.Context) error
}

var (
	_ Backend = (*SQLite)(nil)
	_ Backend = (*Postgres)(nil)
)

// store is the code both backends share: every query of Store, Inspector and
// Pruner, written once over database/sql and bound for the backend's dialect.
type store struct {
	w   *sqlDB // where write transactions run
	r   *sqlDB // where reads run
	now func() time.Time
	d   *dialect
	// afterErase runs after ForgetPerson has committed: SQLite truncates its WAL,
	// which still holds the erased values.
	afterErase func(ctx context.Context) error
	// compact gives freed space back at the end of Prune.
	compact func(ctx context.Context) (int, error)
}

// options are what Option sets.
type options struct {
	now         func() time.Time
	autoMigrate bool
}

// Option configures Open and OpenPostgres.
type Option func(*options)

// WithClock sets the clock used for lease and claim expiry and for timestamps the
// caller left zero. The default is time.Now.
func WithClock(now func() time.Time) Option {
	return func(o *options) { o.now = now }
}

// WithAutoMigrate makes OpenPostgres apply pending schema migrations (as
// MigratePostgres does) instead of refusing an older schema. Open always
// migrates its file: it has a single user.
func WithAutoMigrate() Option {
	return func(o *options) { o.autoMigrate = true }
}

func applyOptions(opts []Option) options {
	o := options{now: time.Now}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// write runs fn in one write transaction and commits it when fn returns nil. Write
// transactions are serialized across processes (see dialect.lock), so that a read
// followed by a write inside fn (leases, claims, fences) sees no other writer.
func (s *store) write(ctx context.Context, fn func(tx *txn) error) error {
	tx, err := s.w.BeginTx(ctx, nil) // SQLite: immediate through _txlock
	if err != nil {
		return err
	}
	t := &txn{Tx: tx, db: s.w}
	if s.d.lock != "" {
		if _, err := tx.ExecContext(ctx, s.d.lock); err != nil {
			return errors.Join(err, tx.Rollback())
		}
	}
	if err := fn(t); err != nil {
		if rbErr := tx.Rollback(); rbErr != nil && !errors.Is(rbErr, sql.ErrTxDone) {
			return errors.Join(err, rbErr)
		}
		return err
	}
	return tx.Commit()
}

// limit turns "no limit" (<= 0) into the dialect's.
func (s *store) limit(limit int) any {
	if limit <= 0 {
		return s.d.noLimit
	}
	return limit
}
