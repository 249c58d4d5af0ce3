package state

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/postgres/*.sql
var postgresMigrationFS embed.FS

// ErrSchemaTooOld is returned by OpenPostgres for a database whose schema this
// binary would have to migrate first (`leadsync migrate`, or WithAutoMigrate).
var ErrSchemaTooOld = errors.New("state: database schema is older than this binary")

// postgresMigrateLock serializes MigratePostgres across replicas for the whole
// migration (a session lock, on a connection of its own); see postgresWriteLock.
const postgresMigrateLock = `SELECT pg_advisory_lock(1280528963, 2)`

// pgMigration is one file of migrations/postgres: NNNN_name.sql takes the schema
// to version NNNN, the number of the SQLite migration that ends at the same schema.
type pgMigration struct {
	version int
	file    string
}

func postgresMigrations() ([]pgMigration, error) {
	names, err := fs.Glob(postgresMigrationFS, "migrations/postgres/*.sql")
	if err != nil {
		return nil, err
	}
	out := make([]pgMigration, 0, len(names))
	for _, name := range names { // zero-padded: lexical order is numeric
		num, _, _ := strings.Cut(path.Base(name), "_")
		v, err := strconv.Atoi(num)
		if err != nil {
			return nil, fmt.Errorf("migration %s: no version number", name)
		}
		out = append(out, pgMigration{version: v, file: name})
	}
	return out, nil
}

// MigratePostgres applies the migrations the database at url is missing and
// returns its schema version before and after. Replicas starting together queue
// on an advisory lock, and each migration commits with its version, so each
// applies once. A database newer than this binary is refused (ErrSchemaTooNew)
// and left unchanged.
func MigratePostgres(ctx context.Context, url string) (from, to int, err error) {
	// Parsed as the pool's URL, so that pool settings in it (pool_max_conns…) are
	// taken as such, not sent to the server as unknown parameters.
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return 0, 0, fmt.Errorf("state: migrate postgres: %w", err)
	}
	conn, err := pgx.ConnectConfig(ctx, cfg.ConnConfig)
	if err != nil {
		return 0, 0, fmt.Errorf("state: migrate postgres: %w", err)
	}
	// Closing the session releases the advisory lock, whatever happened.
	defer conn.Close(context.WithoutCancel(ctx)) //nolint:errcheck // nothing left to do with it
	if _, err := conn.Exec(ctx, postgresMigrateLock); err != nil {
		return 0, 0, fmt.Errorf("state: migrate postgres: lock: %w", err)
	}
	if from, err = postgresVersion(ctx, conn); err != nil {
		return 0, 0, fmt.Errorf("state: migrate postgres: %w", err)
	}
	if known := SchemaVersion(); from > known {
		return from, from, tooNewPostgres(from, known)
	}
	ms, err := postgresMigrations()
	if err != nil {
		return from, from, fmt.Errorf("state: migrate postgres: %w", err)
	}
	to = from
	for _, m := range ms {
		if m.version <= to {
			continue
		}
		if err := applyPostgresMigration(ctx, conn, m); err != nil {
			return from, to, fmt.Errorf("state: migrate postgres: %s: %w", m.file, err)
		}
		to = m.version
	}
	return from, to, nil
}

func applyPostgresMigration(ctx context.Context, conn *pgx.Conn, m pgMigration) error {
	body, err := postgresMigrationFS.ReadFile(m.file)
	if err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, string(body)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS leadsync_schema (version integer NOT NULL)`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM leadsync_schema`); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO leadsync_schema (version) VALUES ($1)`, m.version)
		return err
	})
}

// queryRower is a pgx connection or pool.
type queryRower interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// postgresVersion reads the schema version; 0 for a database without leadsync's
// tables.
func postgresVersion(ctx context.Context, q queryRower) (int, error) {
	var exists bool
	if err := q.QueryRow(ctx, `SELECT to_regclass('leadsync_schema') IS NOT NULL`).Scan(&exists); err != nil {
		return 0, err
	}
	if !exists {
		return 0, nil
	}
	var v int
	err := q.QueryRow(ctx, `SELECT COALESCE(max(version), 0) FROM leadsync_schema`).Scan(&v)
	return v, err
}

// checkPostgresSchema refuses a database whose schema is not this binary's.
func checkPostgresSchema(ctx context.Context, q queryRower) error {
	v, err := postgresVersion(ctx, q)
	if err != nil {
		return fmt.Errorf("state: open postgres: schema version: %w", err)
	}
	switch known := SchemaVersion(); {
	case v > known:
		return tooNewPostgres(v, known)
	case v < known:
		return fmt.Errorf("%w: the database has schema version %d and this leadsync needs %d; "+
			"run `leadsync migrate` (or set state.migrate: auto) to migrate it", ErrSchemaTooOld, v, known)
	}
	return nil
}

func tooNewPostgres(v, known int) error {
	return fmt.Errorf("%w: the database has schema version %d and this leadsync knows versions up to %d; "+
		"it was migrated by a newer leadsync: run that version or a later one (the database is left unchanged)",
		ErrSchemaTooNew, v, known)
}
