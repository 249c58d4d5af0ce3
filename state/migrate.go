package state

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// ErrSchemaTooNew is returned by Open for a database written by a newer leadsync.
var ErrSchemaTooNew = errors.New("state: database schema is newer than this binary")

// migrations lists the embedded migration files in order; file i+1 takes the schema
// from user_version i to i+1. Names are zero-padded, so lexical order is numeric.
func migrations() ([]string, error) {
	return fs.Glob(migrationFS, "migrations/*.sql")
}

// SchemaVersion is the schema version this binary migrates to.
func SchemaVersion() int {
	names, err := migrations()
	if err != nil {
		panic(err) // a constant pattern over an embedded FS cannot fail
	}
	return len(names)
}

// migrateStepHook, when set (by tests only), is called inside the transaction of
// each migration step that applies, after its statements and its user_version
// bump and before the commit: where a killed process leaves the most undone.
var migrateStepHook func(step int)

// tooNew is the error for a file of schema version v, newer than known.
func tooNew(v, known int) error {
	return fmt.Errorf("%w: the file has schema version %d and this leadsync knows versions up to %d; "+
		"it was written by a newer leadsync: run that version or a later one (the file is left unchanged)",
		ErrSchemaTooNew, v, known)
}

// refuseNewer refuses a file whose schema is newer than this binary's.
func refuseNewer(ctx context.Context, db *sql.DB) error {
	var v int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return err
	}
	if known := SchemaVersion(); v > known {
		return tooNew(v, known)
	}
	return nil
}

// migrate applies the missing migrations, each in its own immediate transaction
// that rereads user_version first, so that two processes starting together apply
// each step once. A step and its user_version bump commit together, so a process
// killed in the middle of one leaves the file at the version before it, which the
// next start migrates again. A file newer than this binary is refused before any
// transaction.
func migrate(ctx context.Context, w *sql.DB) error {
	names, err := migrations()
	if err != nil {
		return err
	}
	var v int
	if err := w.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return err
	}
	if v > len(names) {
		return tooNew(v, len(names))
	}
	for i, name := range names {
		if err := migrateStep(ctx, w, i, name, len(names)); err != nil {
			return err
		}
	}
	return nil
}

func migrateStep(ctx context.Context, w *sql.DB, step int, name string, known int) error {
	tx, err := w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	var v int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return err
	}
	if v > known {
		return tooNew(v, known)
	}
	if v > step {
		return nil // applied before
	}
	body, err := migrationFS.ReadFile(name)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	// PRAGMA takes no bind parameters; step+1 is our own integer.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", step+1)); err != nil {
		return err
	}
	if migrateStepHook != nil {
		migrateStepHook(step)
	}
	return tx.Commit()
}

// MigrateFile opens the state file at path, which migrates it (creating it when
// missing), and reports the schema versions before and after.
func MigrateFile(ctx context.Context, path string) (from, to int, err error) {
	s, err := Open(ctx, path)
	if err != nil {
		return 0, 0, err
	}
	return s.openedAt, SchemaVersion(), s.Close()
}
