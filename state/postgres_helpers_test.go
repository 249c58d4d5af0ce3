package state_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/leadsync/leadsync/state"
	"github.com/leadsync/leadsync/state/pgtest"
)

// newPostgresDB is an empty database of the test's own (pgtest.Database).
func newPostgresDB(t testing.TB) string { return pgtest.Database(t) }

// adminExec runs one statement on its own connection to the database at u.
func adminExec(t testing.TB, u, sql string) { pgtest.Exec(t, u, sql) }

// queryPG returns the one integer sql selects on the database at u.
func queryPG(t testing.TB, u, sql string) int {
	t.Helper()
	var n int
	withConn(t, u, func(ctx context.Context, conn *pgx.Conn) error {
		if err := conn.QueryRow(ctx, sql).Scan(&n); err != nil {
			return fmt.Errorf("%s: %w", sql, err)
		}
		return nil
	})
	return n
}

// withConn runs fn on a connection of its own to the database at u.
func withConn(t testing.TB, u string, fn func(context.Context, *pgx.Conn) error) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if err := fn(ctx, conn); err != nil {
		t.Fatal(err)
	}
}

// openPostgres opens the store at u, closed when t ends.
func openPostgres(t testing.TB, u string, opts ...state.Option) *state.Postgres {
	t.Helper()
	p, err := state.OpenPostgres(context.Background(), u, opts...)
	if err != nil {
		t.Fatalf("OpenPostgres: %v", err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return p
}

// newPostgres is a fresh, migrated PostgreSQL store of its own.
func newPostgres(t testing.TB, opts ...state.Option) *state.Postgres {
	t.Helper()
	return openPostgres(t, newPostgresDB(t), append(opts, state.WithAutoMigrate())...)
}
