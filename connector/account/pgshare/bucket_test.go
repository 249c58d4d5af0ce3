package pgshare

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/time/rate"

	"github.com/leadsync/leadsync/connector/account"
	"github.com/leadsync/leadsync/crm/hubspot"
)

// A shared bucket serves a HubSpot client's pacer as it is (hubspot.WithLimiters).
var _ hubspot.Limiter = account.Bucket(nil)

// admitAll takes n tokens from each of callers goroutines per bucket and returns
// every admission's time by the database's clock, sorted.
func admitAll(t *testing.T, buckets []*Bucket, callers, n int) []time.Time {
	t.Helper()
	var mu sync.Mutex
	var at []time.Time
	var wg sync.WaitGroup
	for _, b := range buckets {
		for range callers {
			wg.Go(func() {
				for range n {
					a, err := b.admit(t.Context())
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					at = append(at, a)
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	slices.SortFunc(at, time.Time.Compare)
	return at
}

// Three replicas with three callers each, drawing on one bucket, admit no more than
// rate×t + burst in any span t of the database's clock, and, queued as they are, leave
// no slot unused.
func TestReplicasTogetherKeepToOneBucket(t *testing.T) {
	dsn := testDB(t)
	const perSecond, burst, callers, n = 40, 4, 3, 12
	var buckets []*Bucket
	for range 3 {
		buckets = append(buckets, New(replica(t, dsn), Options{}).Bucket("lusha:test:rate", perSecond, burst).(*Bucket))
	}
	at := admitAll(t, buckets, callers, n)
	if len(at) != 3*callers*n {
		t.Fatalf("%d admissions, want %d", len(at), 3*callers*n)
	}
	for i := range at {
		for j := i + 1; j < len(at); j++ {
			if got, most := float64(j-i+1), perSecond*at[j].Sub(at[i]).Seconds()+burst; got > most+1e-3 {
				t.Fatalf("%v admitted %v calls, at most %v allowed", at[j].Sub(at[i]), got, most)
			}
		}
	}
	// Slots are booked back to back while callers queue: the last falls when the rate
	// says, counted on the database's clock.
	want := time.Duration(float64(len(at)-burst) / perSecond * float64(time.Second))
	if span := at[len(at)-1].Sub(at[0]); span > want+want/10 {
		t.Errorf("%d admissions took %v of the database's clock, want about %v", len(at), span, want)
	}
}

// A rate one replica sets (as Lusha's headers make adapt do) paces every replica.
func TestARateSetByOneReplicaPacesEveryReplica(t *testing.T) {
	dsn := testDB(t)
	a := New(replica(t, dsn), Options{}).Bucket("b", 1000, 1).(*Bucket)
	b := New(replica(t, dsn), Options{}).Bucket("b", 1000, 1).(*Bucket)
	admitAll(t, []*Bucket{a, b}, 1, 1)
	a.SetLimit(20)
	if got := a.Limit(); got != 20 {
		t.Fatalf("Limit %v after SetLimit(20)", got)
	}
	first := admitAll(t, []*Bucket{a}, 1, 1)
	at := append(first, admitAll(t, []*Bucket{b}, 1, 4)...)
	for i := 1; i < len(at); i++ {
		if gap := at[i].Sub(at[i-1]); gap < 50*time.Millisecond-time.Microsecond {
			t.Errorf("admissions %v apart at 20/s", gap)
		}
	}
	if got := b.Limit(); got != rate.Limit(20) {
		t.Errorf("the other replica's Limit is %v, want 20", got)
	}
}

// Drain leaves n saved-up calls; with a pause, none is admitted before it ends.
func TestDrainSpendsSavedCallsAndPauses(t *testing.T) {
	dsn := testDB(t)
	pool := replica(t, dsn)
	limits := New(pool, Options{})
	for _, tt := range []struct {
		name      string
		n         int
		pause     time.Duration
		immediate int           // calls admitted at once
		next      time.Duration // when the next one is admitted, after the drain
	}{
		{"to two", 2, 0, 2, time.Second},
		{"with a pause", 5, 1500 * time.Millisecond, 0, 1500 * time.Millisecond},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := limits.Bucket("hubspot:test:"+tt.name, 1, 5).(*Bucket)
			before := dbNow(t, pool)
			b.Drain(t.Context(), tt.n, tt.pause)
			for i := range tt.immediate {
				if at, now, err := b.take(t.Context()); err != nil || !at.Equal(now) {
					t.Fatalf("saved-up call %d waits %v (%v)", i+1, at.Sub(now), err)
				}
			}
			at := admitAll(t, []*Bucket{b}, 1, 1)
			if got := at[0].Sub(before); got < tt.next {
				t.Errorf("call %d admitted %v after the drain, want at least %v", tt.immediate+1, got, tt.next)
			}
		})
	}
}

func dbNow(t *testing.T, pool *pgxpool.Pool) time.Time {
	t.Helper()
	var now time.Time
	if err := pool.QueryRow(t.Context(), `SELECT clock_timestamp()`).Scan(&now); err != nil {
		t.Fatal(err)
	}
	return now
}
