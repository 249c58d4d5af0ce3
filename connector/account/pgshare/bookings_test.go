package pgshare

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leadsync/leadsync/connector/account"
	"github.com/leadsync/leadsync/connector/react"
)

// ledger is the store's spend, as every replica reads it.
type ledger struct{ spent atomic.Int64 }

func (l *ledger) CreditsSpent(context.Context, string, time.Time) (int, error) {
	return int(l.spent.Load()), nil
}

// replicaAccounts is one replica's accounts on the shared limits of dsn, with a
// daily cap of perDay and no per-run cap.
func replicaAccounts(t *testing.T, dsn string, l account.Ledger, perDay int, o Options) *account.Lusha {
	t.Helper()
	a := account.New(account.Options{Ledger: l, Shared: New(replica(t, dsn), o)})
	t.Cleanup(a.Close)
	err := a.Apply(account.Settings{Lusha: account.LushaSettings{APIKey: "key", BaseURL: "http://lusha.test",
		Timeout: time.Second, PerSecond: 10, CreditsPerDay: perDay,
		Breaker: account.BreakerSettings{Failures: 2, Timeout: time.Minute},
		Retry:   react.Policy{Base: time.Millisecond, Max: time.Second, Attempts: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	lease, err := a.Use(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(lease.Release)
	return lease.Lusha
}

// Three replicas racing for credits are granted, together, exactly what the day's cap
// leaves after the ledger's spend: never more.
func TestReplicasTogetherKeepToTheDaysCap(t *testing.T) {
	dsn := testDB(t)
	const perDay, spent = 100, 10
	l := &ledger{}
	l.spent.Store(spent)
	var granted atomic.Int64
	var wg sync.WaitGroup
	for range 3 {
		lu := replicaAccounts(t, dsn, l, perDay, Options{})
		for caller := range 4 {
			wg.Go(func() {
				for want := caller + 1; ; want = want%7 + 1 {
					g, _, err := lu.Reserve(t.Context(), 0, want, time.Now())
					if err != nil {
						t.Error(err)
						return
					}
					if g == 0 {
						return
					}
					granted.Add(int64(g))
				}
			})
		}
	}
	wg.Wait()
	if got := granted.Load(); got != perDay-spent {
		t.Errorf("granted %d credits, want the %d the cap leaves", got, perDay-spent)
	}
}

// A released booking frees its credits at once; one its replica never released (a
// SIGKILL) frees them when it expires.
func TestBookingsFreeOnReleaseOrExpiry(t *testing.T) {
	dsn := testDB(t)
	l := &ledger{}
	a := replicaAccounts(t, dsn, l, 50, Options{})
	b := replicaAccounts(t, dsn, l, 50, Options{})
	reserve := func(lu *account.Lusha, want int) (int, func()) {
		t.Helper()
		g, release, err := lu.Reserve(t.Context(), 0, want, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return g, release
	}
	if g, release := reserve(a, 50); g != 50 {
		t.Fatalf("granted %d of an unspent 50", g)
	} else {
		release()
	}
	if g, _ := reserve(a, 50); g != 50 {
		t.Fatalf("granted %d after the release, want 50", g)
	}
	if g, _ := reserve(b, 10); g != 0 {
		t.Fatalf("the other replica was granted %d beyond the cap", g)
	}
	// The booking is never released: time passes beyond its expiry.
	if _, err := replica(t, dsn).Exec(t.Context(),
		`UPDATE leadsync_share_booking SET expires_at = clock_timestamp() - interval '1 second'`); err != nil {
		t.Fatal(err)
	}
	if g, _ := reserve(b, 10); g != 10 {
		t.Fatalf("granted %d once the booking expired, want 10", g)
	}
}
