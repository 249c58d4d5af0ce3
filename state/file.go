package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
)

// applicationID marks a SQLite file as a leadsync state file ("LSNC"), so that a
// file of another program is never migrated in place.
const applicationID = 0x4C534E43

// ErrNotStateFile is returned by Open for a file at the state path that is not a
// leadsync state file: empty, of another program, or not SQLite at all. Open never
// changes such a file.
var ErrNotStateFile = errors.New("state: not a leadsync state file")

// The state holds bought phones and e-mail addresses: its files are the owner's
// alone whatever the umask, and so is a folder leadsync creates for them.
const (
	fileMode = 0o600
	dirMode  = 0o700
)

// prepareFile makes sure that abs is a file Open may use: it creates a new state
// file (and its folder) when none exists, refuses an empty one, and restricts the
// modes of the file and of the -wal and -shm files an older leadsync left behind.
// SQLite gives the -wal and -shm files it creates the main file's mode.
func prepareFile(ctx context.Context, abs string) error {
	info, err := os.Stat(abs)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := createFile(ctx, abs); err != nil {
			return fmt.Errorf("state: create %s: %w", abs, err)
		}
	case err != nil:
		return fmt.Errorf("state: %w", err)
	case !info.Mode().IsRegular():
		return fmt.Errorf("%w: %s is not a regular file", ErrNotStateFile, abs)
	case info.Size() == 0 && !hasContent(abs+"-wal"):
		return fmt.Errorf("%w: %s is empty (0 bytes), so it holds no state, not even the suppression list; "+
			"restore it from a backup, or delete it to start afresh", ErrNotStateFile, abs)
	}
	for _, f := range []string{abs, abs + "-wal", abs + "-shm"} {
		if err := os.Chmod(f, fileMode); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("state: %w", err)
		}
	}
	return nil
}

// hasContent reports whether a file exists and is not empty. A database whose
// writer died before its first checkpoint may have all its pages in the -wal file
// and none yet in the main file, which is then not "empty".
func hasContent(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.Size() > 0
}

// createFile creates a state file that already carries applicationID, under a
// temporary name, and links it into place only if abs still does not exist: so
// that two processes creating it at once never see it empty, and the loser opens
// the winner's file.
func createFile(ctx context.Context, abs string) error {
	dir := filepath.Dir(abs)
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, dirMode); err != nil {
			return err
		}
		if err := os.Chmod(dir, dirMode); err != nil {
			return err
		}
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(abs)+".new-*")
	if err != nil {
		return err
	}
	name := tmp.Name()
	defer os.Remove(name) //nolint:errcheck // gone once linked or on failure alike
	if err := errors.Join(tmp.Chmod(fileMode), tmp.Close()); err != nil {
		return err
	}
	if err := stampFile(ctx, name); err != nil {
		return err
	}
	err = os.Link(name, abs)
	if errors.Is(err, fs.ErrExist) {
		return nil // another process created it first: use theirs
	}
	if err != nil {
		// A file system without hard links: rename, which cannot refuse to replace,
		// so check once more just before.
		if _, statErr := os.Stat(abs); statErr == nil {
			return nil
		}
		return os.Rename(name, abs)
	}
	return nil
}

// stampFile writes applicationID into the header of the new, empty file.
func stampFile(ctx context.Context, path string) error {
	// auto_vacuum takes effect only before the first table (or through a VACUUM):
	// a new file gets it here, so that Compact can give pruned pages back.
	db, err := openPool(ctx, path, url.Values{"_auto_vacuum": {"incremental"}})
	if err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, fmt.Sprintf("PRAGMA application_id = %d", applicationID))
	return errors.Join(err, db.Close())
}

// identify refuses a file that is not leadsync's before anything writes to it.
// A file without an application id that has a schema version and leadsync's runs
// and leases tables was made by a leadsync older than the id: it gets the id.
func identify(ctx context.Context, db *sql.DB, abs string) error {
	var id, version int64
	if err := db.QueryRowContext(ctx, "PRAGMA application_id").Scan(&id); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrNotStateFile, abs, err)
	}
	if id == applicationID {
		return nil
	}
	if id != 0 {
		return fmt.Errorf("%w: %s is a SQLite file of another program (application id %#x); "+
			"point state.path elsewhere", ErrNotStateFile, abs, id)
	}
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrNotStateFile, abs, err)
	}
	var tables int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema
		WHERE type = 'table' AND name IN ('runs', 'leases')`).Scan(&tables); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrNotStateFile, abs, err)
	}
	if version == 0 || tables != 2 {
		return fmt.Errorf("%w: %s is a SQLite file without leadsync's tables; "+
			"point state.path elsewhere, or delete the file to start afresh", ErrNotStateFile, abs)
	}
	_, err := db.ExecContext(ctx, fmt.Sprintf("PRAGMA application_id = %d", applicationID))
	return err
}
