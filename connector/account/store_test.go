package account

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/leadsync/leadsync/state"
)

var (
	_ Ledger = (*state.SQLite)(nil)
	_ Claims = (*state.SQLite)(nil)
)

// openStore opens the SQLite store at path, as one process would.
func openStore(t *testing.T, path string) *state.SQLite {
	t.Helper()
	s, err := state.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// Two processes on one state file: the second waits for the first's claim, and the
// transaction that saves the answer frees the key, so the waiter finds the answer.
func TestTwoProcessesOnOneStoreBuyAPersonOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s1, s2 := openStore(t, path), openStore(t, path)
	p1 := lushaOf(t, Options{Ledger: s1, Claims: s1, Owner: "p1"})
	p2 := lushaOf(t, Options{Ledger: s2, Claims: s2, Owner: "p2"})

	c1 := claim(t, p1, "person-1")
	defer c1.Release()
	c2 := claim(t, p2, "person-1", "person-2")
	defer c2.Release()
	if !sameKeys(c1.Mine, []string{"person-1"}) || !sameKeys(c2.Mine, []string{"person-2"}) {
		t.Fatalf("p1 owns %v, p2 owns %v", c1.Mine, c2.Mine)
	}
	waited := make(chan error, 1)
	go func() { waited <- p2.Wait(t.Context(), c2.Others) }()
	select {
	case err := <-waited:
		t.Fatalf("Wait returned %v while p1 buys", err)
	case <-time.After(200 * time.Millisecond):
	}

	now := time.Now()
	if err := s1.SaveEnrichments(t.Context(), state.Spend{Pipeline: "hubspot-contacts", Call: "contacts/search", Credits: 1},
		[]state.Enrichment{{Key: "person-1", Outcome: state.OutcomeNoMatch, FetchedAt: now, ExpiresAt: now.Add(time.Hour)}}); err != nil {
		t.Fatal(err)
	}
	if err := <-waited; err != nil {
		t.Fatalf("Wait: %v", err)
	}
	if e, err := s2.Enrichment(t.Context(), "person-1", time.Now()); err != nil || e == nil {
		t.Fatalf("the waiter found no answer: %v, %v", e, err)
	}
	// The saved spend counts against the day's cap, beside the process's reservations.
	g1, release1, err := p2.Reserve(t.Context(), 0, 100, time.Now())
	if err != nil || g1 != 50 {
		t.Fatalf("Reserve after 1 of 100 spent, with a per-run cap of 50: %d, %v", g1, err)
	}
	defer release1()
	if g2, release2, _ := p2.Reserve(t.Context(), 0, 100, time.Now()); g2 != 49 {
		t.Fatalf("the second reservation got %d, want 100 − 1 spent − 50 reserved = 49", g2)
	} else {
		release2()
	}
}
