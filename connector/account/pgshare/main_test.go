package pgshare

import (
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/leadsync/leadsync/state/pgtest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// testDB creates a database of the test's own on LEADSYNC_TEST_POSTGRES_URL's server,
// with the shared limits' tables, dropped when the test ends. It skips the test when
// no server is given.
func testDB(t *testing.T) string {
	t.Helper()
	dsn := pgtest.Database(t)
	if err := Migrate(t.Context(), replica(t, dsn)); err != nil {
		t.Fatal(err)
	}
	return dsn
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
