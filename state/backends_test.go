//go:build cgo

package state_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/leadsync/leadsync/state"
	"github.com/leadsync/leadsync/state/pgtest"
)

// backend is a store under test and a way to read its tables behind its back.
type backend struct {
	state.Backend
	pg   *state.Postgres // nil for SQLite
	rows func(q string, row func(scan func(...any) error) error) error
}

// opener opens a new, empty backend for t.
type opener func(t *testing.T, opts ...state.Option) backend

// eachBackend runs fn with SQLite and, when LEADSYNC_TEST_POSTGRES_URL is set,
// with PostgreSQL: the reads and writes beyond Store must agree too.
func eachBackend(t *testing.T, fn func(t *testing.T, open opener)) {
	t.Run("sqlite", func(t *testing.T) {
		fn(t, func(t *testing.T, opts ...state.Option) backend {
			path := filepath.Join(t.TempDir(), "state.db")
			db := rawDB(t, path)
			return backend{Backend: openStore(t, path, opts...), rows: func(q string, row func(func(...any) error) error) error {
				rows, err := db.Query(q)
				if err != nil {
					return err
				}
				defer rows.Close()
				return eachRow(rows, row)
			}}
		})
	})
	t.Run("postgres", func(t *testing.T) {
		pgtest.URL(t)
		fn(t, func(t *testing.T, opts ...state.Option) backend {
			p := newPostgres(t, opts...)
			return backend{Backend: p, pg: p, rows: func(q string, row func(func(...any) error) error) error {
				rows, err := p.Pool().Query(context.Background(), q)
				if err != nil {
					return err
				}
				defer rows.Close()
				return eachRow(rows, row)
			}}
		})
	})
}

// eachRow calls row for each of rows: *sql.Rows or pgx.Rows.
func eachRow(rows interface {
	Next() bool
	Scan(...any) error
	Err() error
}, row func(scan func(...any) error) error) error {
	for rows.Next() {
		if err := row(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}

// strs reads the first column of q's rows as strings.
func (b backend) strs(t *testing.T, q string) []string {
	t.Helper()
	var out []string
	err := b.rows(q, func(scan func(...any) error) error {
		var s string
		err := scan(&s)
		out = append(out, s)
		return err
	})
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return out
}

// count is the single integer q selects.
func (b backend) count(t *testing.T, q string) int {
	t.Helper()
	var n int
	err := b.rows(q, func(scan func(...any) error) error { return scan(&n) })
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}
