package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"time"

	_ "github.com/mattn/go-sqlite3" // registers the "sqlite3" driver
)

var _ Store = (*SQLite)(nil)

// readConns bounds the read pool: status pages and planning read while the single
// writer commits; a few connections are plenty on the machines leadsync runs on.
const readConns = 4

// busyTimeout is how long a writer waits for another process's transaction before
// SQLITE_BUSY; transactions here last milliseconds, so reaching it means trouble.
const busyTimeout = 10 * time.Second

// SQLite is the Store kept in one SQLite file. Writes go through a single
// connection in BEGIN IMMEDIATE transactions, reads through a small read-only pool,
// so that writers queue instead of failing with SQLITE_BUSY.
type SQLite struct {
	store
	// openedAt is the schema version the file had when it was opened (0: new).
	openedAt int
}

// Open opens the state file at path and migrates it to the schema this binary
// knows. Only a file that does not exist is created (with its folder, 0700, when
// that is missing too); an existing file that is empty or not leadsync's gives
// ErrNotStateFile and is left as it is. The files are made 0600.
func Open(ctx context.Context, path string, opts ...Option) (*SQLite, error) {
	if !cgoEnabled {
		return nil, errors.New("state: this binary was built with CGO_ENABLED=0; the SQLite state store needs cgo (rebuild with CGO_ENABLED=1 and a C compiler)")
	}
	if path == "" {
		return nil, errors.New("state: empty database path")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("state: %w", err)
	}
	if err := prepareFile(ctx, abs); err != nil {
		return nil, err
	}
	d := newSQLiteDialect()
	s := &SQLite{store: store{now: applyOptions(opts).now, d: d}}
	s.afterErase, s.compact = s.truncateWAL, s.Compact
	w, err := openWriter(ctx, abs)
	if err != nil {
		return nil, err
	}
	if err := w.QueryRowContext(ctx, "PRAGMA user_version").Scan(&s.openedAt); err != nil {
		w.Close()
		return nil, fmt.Errorf("state: open %s: %w", abs, err)
	}
	if err := migrate(ctx, w); err != nil {
		w.Close()
		return nil, fmt.Errorf("state: migrate %s: %w", abs, err)
	}
	r, err := openReader(ctx, abs)
	if err != nil {
		w.Close()
		return nil, err
	}
	s.w, s.r = newSQLDB(w, d), newSQLDB(r, d)
	if err := s.w.cache.prepare(ctx, writerStatements...); err != nil {
		s.Close()
		return nil, fmt.Errorf("state: prepare %s: %w", abs, err)
	}
	return s, nil
}

func openWriter(ctx context.Context, abs string) (*sql.DB, error) {
	db, err := openPool(ctx, abs, url.Values{
		"_txlock": {"immediate"},
		// Deleted and overwritten content is zeroed, so that Forget and PurgeExpired
		// leave no personal data in free pages of the file.
		"_secure_delete": {"on"},
	})
	if isNotADB(err) {
		return nil, fmt.Errorf("%w: %s is not a SQLite database", ErrNotStateFile, abs)
	}
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	if err := identify(ctx, db, abs); err != nil {
		db.Close()
		return nil, err
	}
	// A file from a newer leadsync is refused before anything, the switch to WAL
	// included, can change a byte of it.
	if err := refuseNewer(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("state: open %s: %w", abs, err)
	}
	if err := enableWAL(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("state: open %s: %w", abs, err)
	}
	return db, nil
}

// enableWAL switches the file to WAL, a setting that stays with the file. The
// switch reads the header and then takes the write lock; two processes doing it at
// once deadlock, and SQLite answers one of them SQLITE_BUSY at once instead of
// waiting (_busy_timeout does not help), so the loser retries here for a while.
func enableWAL(ctx context.Context, db *sql.DB) error {
	deadline := time.Now().Add(busyTimeout)
	for wait := time.Millisecond; ; wait = min(2*wait, 100*time.Millisecond) {
		var mode string
		err := db.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode)
		if !isBusy(err) || time.Now().After(deadline) {
			if err == nil && mode != "wal" {
				err = fmt.Errorf("journal mode is %q, not wal (does the file system support WAL?)", mode)
			}
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}

func openReader(ctx context.Context, abs string) (*sql.DB, error) {
	// The writer already switched the file to WAL (a persistent setting), so
	// readers neither set it nor could: they are query-only.
	db, err := openPool(ctx, abs, url.Values{"_query_only": {"true"}})
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(readConns)
	db.SetMaxIdleConns(readConns)
	return db, nil
}

func openPool(ctx context.Context, abs string, extra url.Values) (*sql.DB, error) {
	q := url.Values{
		"_busy_timeout": {fmt.Sprint(busyTimeout.Milliseconds())},
		"_foreign_keys": {"on"},
		// prepareFile created the file if it was missing: should it vanish since,
		// SQLite must not create it again with the umask's mode.
		"mode": {"rw"},
	}
	for k, v := range extra {
		q[k] = v
	}
	// A file: URI keeps the driver from cutting the query off the name; the path is
	// escaped so that '?', '#' or '%' in a directory name cannot end it early.
	dsn := "file:" + (&url.URL{Path: abs}).EscapedPath() + "?" + q.Encode()
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, fmt.Errorf("state: open %s: %w", abs, err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("state: open %s: %w", abs, err)
	}
	return db, nil
}

// Close closes both pools.
func (s *SQLite) Close() error {
	return errors.Join(s.r.close(), s.w.close())
}
