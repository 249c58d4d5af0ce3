//go:build cgo

package state_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/leadsync/leadsync/state"
	"github.com/leadsync/leadsync/state/statetest"
)

func TestConformance(t *testing.T) {
	statetest.RunStoreTests(t, func(t *testing.T, now func() time.Time) state.Store {
		return openStore(t, filepath.Join(t.TempDir(), "state.db"), state.WithClock(now))
	})
}

func openStore(t testing.TB, path string, opts ...state.Option) *state.SQLite {
	t.Helper()
	s, err := state.Open(context.Background(), path, opts...)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// rawDB opens the file behind the store's back, to look at what it really holds.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=10000")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

func queryInt(t *testing.T, db *sql.DB, q string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func TestMigrateEmptyDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new", "dir", "state.db") // the directory is created
	openStore(t, path)
	db := rawDB(t, path)
	if got, want := queryInt(t, db, "PRAGMA user_version"), state.SchemaVersion(); got != want || want < 1 {
		t.Errorf("user_version = %d, want %d (>= 1)", got, want)
	}
	rows, err := db.Query(`SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	want := []string{"cursors", "enrichments", "identity_claims", "inbox", "leases", "ledger", "oauth_tokens", "records", "run_field_actions", "runs", "spend", "suppressions"}
	if !slices.Equal(tables, want) {
		t.Errorf("tables = %v, want %v", tables, want)
	}
	var mode string
	if err := db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
}

func TestReopenKeepsDataAndVersion(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "state.db")
	for i := range 3 {
		s, err := state.Open(ctx, path)
		if err != nil {
			t.Fatalf("open #%d: %v", i, err)
		}
		if i > 0 {
			if cur, err := s.Cursor(ctx, "p"); err != nil || cur != strconv.Itoa(i-1) {
				t.Errorf("open #%d: Cursor = %q, %v; want %d", i, cur, err, i-1)
			}
		}
		if err := s.CommitPage(ctx, state.PageCommit{Pipeline: "p", Cursor: new(strconv.Itoa(i))}); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if got := queryInt(t, rawDB(t, path), "PRAGMA user_version"); got != state.SchemaVersion() {
		t.Errorf("user_version after reopening = %d, want %d", got, state.SchemaVersion())
	}
}

func TestRefuseNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s := openStore(t, path)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	newer := state.SchemaVersion() + 1
	if _, err := rawDB(t, path).Exec(fmt.Sprintf("PRAGMA user_version = %d", newer)); err != nil {
		t.Fatal(err)
	}
	s2, err := state.Open(t.Context(), path)
	if err == nil {
		s2.Close()
		t.Fatal("Open of a newer schema: want an error, got nil")
	}
	if !errors.Is(err, state.ErrSchemaTooNew) || !strings.Contains(err.Error(), strconv.Itoa(newer)) {
		t.Errorf("Open error = %v; want ErrSchemaTooNew naming version %d", err, newer)
	}
}

// TestSQLiteVersion guards against linking a SQLite with the WAL-reset corruption
// bug (3.7.0 to 3.51.2), e.g. by building with -tags libsqlite3 on an old distro.
func TestSQLiteVersion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v.db")
	var v string
	if err := rawDB(t, path).QueryRow("SELECT sqlite_version()").Scan(&v); err != nil {
		t.Fatal(err)
	}
	if !versionAtLeast(t, v, 3, 51, 3) {
		t.Errorf("sqlite_version() = %s, want >= 3.51.3", v)
	}
}

func versionAtLeast(t *testing.T, v string, want ...int) bool {
	t.Helper()
	parts := strings.Split(v, ".")
	for i, w := range want {
		if i >= len(parts) {
			return false
		}
		n, err := strconv.Atoi(parts[i])
		if err != nil {
			t.Fatalf("version %q: %v", v, err)
		}
		if n != w {
			return n > w
		}
	}
	return true
}

func TestVersionAtLeast(t *testing.T) {
	tests := []struct {
		v    string
		want bool
	}{
		{"3.51.3", true}, {"3.54.1", true}, {"4.0.0", true}, {"3.51.2", false},
		{"3.40.1", false}, {"3.51", false}, {"2.99.99", false},
	}
	for _, tt := range tests {
		if got := versionAtLeast(t, tt.v, 3, 51, 3); got != tt.want {
			t.Errorf("versionAtLeast(%s) = %v, want %v", tt.v, got, tt.want)
		}
	}
}
