package pgshare

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// testDB creates a database of the test's own on LEADSYNC_TEST_POSTGRES_URL's server,
// with the shared limits' tables, dropped when the test ends. It skips the test when
// no server is given.
func testDB(t *testing.T) string {
	t.Helper()
	base := os.Getenv("LEADSYNC_TEST_POSTGRES_URL")
	if base == "" {
		t.Skip("LEADSYNC_TEST_POSTGRES_URL is unset")
	}
	name := fmt.Sprintf("t_%016x", rand.Uint64())
	admin := func(sql string) error {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, sql)
		return err
	}
	if err := admin("CREATE DATABASE " + name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := admin("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			t.Errorf("drop the test database: %v", err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	if err := Migrate(t.Context(), replica(t, u.String())); err != nil {
		t.Fatal(err)
	}
	return u.String()
}

// replica is a pool of its own on dsn, as one replica of the daemon would have.
func replica(t *testing.T, dsn string) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// Replicas starting together all migrate; none fails, and twice is harmless.
func TestMigrateIsIdempotent(t *testing.T) {
	dsn := testDB(t)
	errs := make(chan error, 3)
	for range 3 {
		go func() { errs <- Migrate(t.Context(), replica(t, dsn)) }()
	}
	for range 3 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
