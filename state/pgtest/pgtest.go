// Package pgtest gives a test a PostgreSQL database of its own on the server that
// LEADSYNC_TEST_POSTGRES_URL names (.ci/run always sets it), or skips the test.
package pgtest

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Env names the server the tests use.
const Env = "LEADSYNC_TEST_POSTGRES_URL"

// URL is the server's URL; without it the test is skipped.
func URL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(Env)
	if u == "" {
		t.Skip(Env + " is not set")
	}
	return u
}

// Database creates an empty database of t's own, dropped when t ends, and returns its
// URL: tests of packages that run in parallel never see each other's rows.
func Database(t testing.TB) string {
	t.Helper()
	base := URL(t)
	name := "t_" + rand.Text()[:16]
	Exec(t, base, `CREATE DATABASE "`+name+`"`)
	t.Cleanup(func() { Exec(t, base, `DROP DATABASE IF EXISTS "`+name+`" WITH (FORCE)`) })
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// Exec runs one statement on a connection of its own to the database at u.
func Exec(t testing.TB, u, sql string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatal(fmt.Errorf("%s: %w", sql, err))
	}
}

// Pool is a pool on a new database of t's own (Database), closed when t ends.
func Pool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), Database(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}
