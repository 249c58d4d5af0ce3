package pgshare

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/leadsync/leadsync/connector/account"
)

// Three replicas with two callers each never put a sixth call into any span of the
// window's length on the database's clock.
func TestReplicasTogetherKeepToOneWindow(t *testing.T) {
	dsn := testDB(t)
	const n, per, callers, each = 5, 400 * time.Millisecond, 2, 6
	var mu sync.Mutex
	var at []time.Time
	var wg sync.WaitGroup
	for range 3 {
		w := New(replica(t, dsn), Options{}).Window("lusha:test:usage", n, per).(*Window)
		for range callers {
			wg.Go(func() {
				for range each {
					a, err := w.admit(t.Context())
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
	if len(at) != 3*callers*each {
		t.Fatalf("%d admissions, want %d", len(at), 3*callers*each)
	}
	for i := n; i < len(at); i++ {
		if span := at[i].Sub(at[i-n]); span < per {
			t.Fatalf("%d calls within %v", n+1, span)
		}
	}
}

// Admit never waits: with the window full it says no, whichever replica asks.
func TestAdmitRefusesAFullWindow(t *testing.T) {
	dsn := testDB(t)
	a := New(replica(t, dsn), Options{}).Window("w", 5, time.Hour)
	b := New(replica(t, dsn), Options{}).Window("w", 5, time.Hour)
	for i, w := range []account.Gate{a, b, a, b, a} {
		if !w.Admit(t.Context()) {
			t.Fatalf("call %d refused", i+1)
		}
	}
	if a.Admit(t.Context()) || b.Admit(t.Context()) {
		t.Error("a sixth call within the hour was admitted")
	}
}
