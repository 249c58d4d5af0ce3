package pgshare

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leadsync/leadsync/connector/account"
)

// ledger is the store's spend, as every replica reads it.
type ledger struct{ spent atomic.Int64 }

func (l *ledger) CreditsSpent(context.Context, string, time.Time) (int, error) {
	return int(l.spent.Load()), nil
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
		_, lu := replicaAccounts(t, dsn, l, perDay)
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
	_, a := replicaAccounts(t, dsn, l, 50)
	_, b := replicaAccounts(t, dsn, l, 50)
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
