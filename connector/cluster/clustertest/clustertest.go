// Package clustertest gives tests a fresh, empty PostgreSQL database of their own on
// the server LEADSYNC_TEST_POSTGRES_URL names (skipping when it is unset).
package clustertest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// NewDB makes an empty database of t's own and drops it when t ends: packages testing
// in parallel never share one. cluster.Migrate gives it River's schema.
func NewDB(t testing.TB) *pgxpool.Pool {
	t.Helper()
	base := os.Getenv("LEADSYNC_TEST_POSTGRES_URL")
	if base == "" {
		t.Skip("LEADSYNC_TEST_POSTGRES_URL is unset")
	}
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "t_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		_ = admin.Close(ctx)
		t.Fatal(err)
	}
	t.Cleanup(func() {
		defer admin.Close(ctx)
		if _, err := admin.Exec(ctx, "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			t.Error(err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	pool, err := pgxpool.New(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}
