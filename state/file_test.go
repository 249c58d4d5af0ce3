//go:build cgo && unix

package state_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/leadsync/leadsync/state"
)

// TestFileModes opens a new state file in a new folder under umask 022, which
// would leave both readable by everyone, and checks that the file, its -wal and
// -shm are the owner's alone, and the folder too.
func TestFileModes(t *testing.T) {
	defer syscall.Umask(syscall.Umask(0o022))
	dir := filepath.Join(t.TempDir(), "new")
	path := filepath.Join(dir, "state.db")
	s := openStore(t, path)
	if err := s.CommitPage(t.Context(), state.PageCommit{Pipeline: "p", Cursor: new("c")}); err != nil {
		t.Fatal(err)
	}
	want := map[string]fs.FileMode{dir: 0o700, path: 0o600, path + "-wal": 0o600, path + "-shm": 0o600}
	for f, mode := range want {
		if got := modeOf(t, f); got != mode {
			t.Errorf("%s: mode %o, want %o", filepath.Base(f), got, mode)
		}
	}
}

// TestFileModesOfOlderFiles reopens files that an older leadsync left readable by
// everyone: Open restricts them.
func TestFileModesOfOlderFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	openStore(t, path).Close()
	files := []string{path, path + "-wal", path + "-shm"}
	for _, f := range files {
		if f != path {
			writeFile(t, f, "") // as a crash leaves them
		}
		if err := os.Chmod(f, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	openStore(t, path)
	for _, f := range files {
		if got := modeOf(t, f); got != 0o600 {
			t.Errorf("%s: mode %o after reopening, want 600", filepath.Base(f), got)
		}
	}
}

func modeOf(t *testing.T, path string) fs.FileMode {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return info.Mode().Perm()
}

// TestRefuseFilesNotOurs puts at the state path files that are not leadsync's:
// each is refused with an error that names it, and left exactly as it was.
func TestRefuseFilesNotOurs(t *testing.T) {
	tests := []struct {
		name  string
		make  func(t *testing.T, path string)
		wants []string // in the error
	}{
		{"empty file", func(t *testing.T, path string) { writeFile(t, path, "") },
			[]string{"is empty", "restore it from a backup", "delete it to start afresh"}},
		{"text file", func(t *testing.T, path string) { writeFile(t, path, strings.Repeat("not sqlite\n", 100)) },
			[]string{"not a SQLite database"}},
		{"SQLite file of another program", func(t *testing.T, path string) {
			execRaw(t, path, `CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('mine');
				PRAGMA user_version = 7`)
		}, []string{"without leadsync's tables"}},
		{"SQLite file with another application id", func(t *testing.T, path string) {
			execRaw(t, path, `CREATE TABLE runs (x); CREATE TABLE leases (y); PRAGMA user_version = 3;
				PRAGMA application_id = 42`)
		}, []string{"another program", "0x2a"}},
		{"empty SQLite database", func(t *testing.T, path string) {
			execRaw(t, path, `CREATE TABLE t (x); DROP TABLE t`)
		}, []string{"without leadsync's tables"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.db")
			tt.make(t, path)
			before := readFile(t, path)
			s, err := state.Open(t.Context(), path)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			if !errors.Is(err, state.ErrNotStateFile) {
				t.Errorf("Open error %v is not ErrNotStateFile", err)
			}
			for _, want := range append(tt.wants, path) {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("Open error %q does not say %q", err, want)
				}
			}
			if after := readFile(t, path); after != before {
				t.Error("Open changed the file it refused")
			}
			if _, err := os.Stat(path + "-wal"); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("Open left a -wal beside the file it refused (stat: %v)", err)
			}
		})
	}
}
