package state

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrBackupExists is returned by Backup when the destination already exists:
// a backup never overwrites a file.
var ErrBackupExists = errors.New("state: backup: the destination exists")

// Backup writes a consistent copy of the state file src to dest while other
// processes (a running daemon) keep reading and writing src: SQLite's VACUUM INTO
// copies one read transaction's snapshot, compacted. The copy is the owner's alone
// (0600) whatever the umask, and appears under dest only once complete; an
// existing dest is refused (ErrBackupExists). src is neither migrated nor changed.
func Backup(ctx context.Context, src, dest string) error {
	if !cgoEnabled {
		return errors.New("state: backup needs a binary built with cgo")
	}
	srcAbs, err := filepath.Abs(src)
	if err != nil {
		return fmt.Errorf("state: backup: %w", err)
	}
	destAbs, err := filepath.Abs(dest)
	if err != nil {
		return fmt.Errorf("state: backup: %w", err)
	}
	if _, err := os.Lstat(destAbs); err == nil {
		return fmt.Errorf("%w: %s", ErrBackupExists, destAbs)
	}
	if info, err := os.Stat(srcAbs); err != nil {
		return fmt.Errorf("state: backup: %w", err)
	} else if !info.Mode().IsRegular() {
		return fmt.Errorf("%w: %s is not a regular file", ErrNotStateFile, srcAbs)
	}
	db, err := openPool(ctx, srcAbs, nil) // mode=rw: never creates src
	if isNotADB(err) {
		return fmt.Errorf("%w: %s is not a SQLite database", ErrNotStateFile, srcAbs)
	}
	if err != nil {
		return fmt.Errorf("state: backup: %w", err)
	}
	defer db.Close()
	var id int64
	if err := db.QueryRowContext(ctx, "PRAGMA application_id").Scan(&id); err != nil {
		return fmt.Errorf("state: backup %s: %w", srcAbs, err)
	}
	if id != applicationID {
		return fmt.Errorf("%w: %s (application id %#x)", ErrNotStateFile, srcAbs, id)
	}

	// VACUUM INTO fills an empty file and keeps its mode: create it 0600 under a
	// temporary name, and link it into place when complete.
	tmp, err := os.CreateTemp(filepath.Dir(destAbs), "."+filepath.Base(destAbs)+".backup-*")
	if err != nil {
		return fmt.Errorf("state: backup: %w", err)
	}
	name := tmp.Name()
	defer os.Remove(name) //nolint:errcheck // gone once linked, or on failure
	if err := errors.Join(tmp.Chmod(fileMode), tmp.Close()); err != nil {
		return fmt.Errorf("state: backup: %w", err)
	}
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", name); err != nil {
		return fmt.Errorf("state: backup %s: %w", srcAbs, err)
	}
	if err := syncFile(name); err != nil {
		return fmt.Errorf("state: backup: %w", err)
	}
	if err := os.Link(name, destAbs); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%w: %s", ErrBackupExists, destAbs)
		}
		// A file system without hard links: rename, which replaces, so check first.
		if _, statErr := os.Lstat(destAbs); statErr == nil {
			return fmt.Errorf("%w: %s", ErrBackupExists, destAbs)
		}
		if err := os.Rename(name, destAbs); err != nil {
			return fmt.Errorf("state: backup: %w", err)
		}
	}
	return nil
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	return errors.Join(f.Sync(), f.Close())
}
