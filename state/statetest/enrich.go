package statetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/leadsync/leadsync/state"
)

// equate treats nil and empty maps, slices and byte strings alike: backends may
// return either.
var equate = cmpopts.EquateEmpty()

func testEnrichment(t *testing.T, s state.Store, _ *Clock) {
	ctx := t.Context()
	matched := state.Enrichment{
		Key: "k1", Outcome: state.OutcomeMatched, LushaID: "L-1",
		Answer:   []byte(`{"contact":{"jobTitle":{"title":"CTO"}}}`),
		Revealed: []string{"emails", "phones"}, Credits: 2,
		FetchedAt: Epoch, ExpiresAt: Epoch.Add(24 * time.Hour),
	}
	noMatch := state.Enrichment{Key: "k2", Outcome: state.OutcomeNoMatch, FetchedAt: Epoch, ExpiresAt: Epoch.Add(time.Hour)}
	if err := s.SaveEnrichments(ctx, state.Spend{Pipeline: "p", RunID: "r", Call: "contacts/enrich", Credits: 2, At: Epoch},
		[]state.Enrichment{matched, noMatch}); err != nil {
		t.Fatalf("SaveEnrichments: %v", err)
	}
	tests := []struct {
		key  string
		now  time.Time
		want *state.Enrichment
	}{
		{"k1", Epoch, &matched},
		{"k1", matched.ExpiresAt.Add(-time.Millisecond), &matched},
		{"k1", matched.ExpiresAt, nil}, // expired at its expiry time
		{"k2", Epoch, &noMatch},
		{"k2", Epoch.Add(2 * time.Hour), nil},
		{"missing", Epoch, nil},
	}
	for _, tt := range tests {
		got, err := s.Enrichment(ctx, tt.key, tt.now)
		if err != nil {
			t.Fatalf("Enrichment(%s, %v): %v", tt.key, tt.now, err)
		}
		if diff := cmp.Diff(tt.want, got, equate); diff != "" {
			t.Errorf("Enrichment(%s, %v) (-want +got):\n%s", tt.key, tt.now, diff)
		}
	}

	// A new answer for the same key replaces the old one.
	renewed := noMatch
	renewed.Outcome, renewed.Answer, renewed.LushaID = state.OutcomeMatched, []byte(`{}`), "L-2"
	renewed.ExpiresAt = Epoch.Add(48 * time.Hour)
	if err := s.SaveEnrichments(ctx, state.Spend{Pipeline: "p", Call: "contacts/enrich", Credits: 1, At: Epoch},
		[]state.Enrichment{renewed}); err != nil {
		t.Fatalf("SaveEnrichments: %v", err)
	}
	got, err := s.Enrichment(ctx, "k2", Epoch.Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&renewed, got, equate); diff != "" {
		t.Errorf("after replace (-want +got):\n%s", diff)
	}
}

func testCreditsSpent(t *testing.T, s state.Store, _ *Clock) {
	ctx := t.Context()
	spends := []state.Spend{
		{Pipeline: "a", Call: "contacts/enrich", Credits: 5, At: Epoch},
		{Pipeline: "a", Call: "contacts/enrich", Credits: 3, At: Epoch.Add(time.Hour)},
		{Pipeline: "b", Call: "companies/enrich", Credits: 7, At: Epoch.Add(2 * time.Hour)},
		{Pipeline: "b", Call: "contacts/search", Credits: 0, At: Epoch.Add(3 * time.Hour)},
	}
	for _, sp := range spends {
		if err := s.SaveEnrichments(ctx, sp, nil); err != nil {
			t.Fatalf("SaveEnrichments(%+v): %v", sp, err)
		}
	}
	tests := []struct {
		pipeline string
		since    time.Time
		want     int
	}{
		{"", Epoch.Add(-time.Hour), 15},
		{"", Epoch, 15}, // since is inclusive
		{"", Epoch.Add(time.Millisecond), 10},
		{"a", Epoch, 8},
		{"a", Epoch.Add(90 * time.Minute), 0},
		{"b", Epoch, 7},
		{"c", Epoch, 0},
		{"", Epoch.Add(4 * time.Hour), 0},
	}
	for _, tt := range tests {
		got, err := s.CreditsSpent(ctx, tt.pipeline, tt.since)
		if err != nil || got != tt.want {
			t.Errorf("CreditsSpent(%q, %v) = %d, %v; want %d", tt.pipeline, tt.since, got, err, tt.want)
		}
	}
}

func testSuppress(t *testing.T, s state.Store, _ *Clock) {
	ctx := t.Context()
	check := func(key string, want bool) {
		t.Helper()
		if got, err := s.Suppressed(ctx, key); err != nil || got != want {
			t.Errorf("Suppressed(%s) = %v, %v; want %v", key, got, err, want)
		}
	}
	check("k", false)
	for range 2 { // suppressing twice is not an error
		if err := s.Suppress(ctx, "k", "restricted", Epoch); err != nil {
			t.Fatalf("Suppress: %v", err)
		}
	}
	check("k", true)
	check("other", false)
}

func testPurgeExpired(t *testing.T, s state.Store, _ *Clock) {
	ctx := t.Context()
	var es []state.Enrichment
	for key, exp := range map[string]time.Duration{"past": -time.Minute, "now": 0, "future": time.Minute} {
		es = append(es, state.Enrichment{Key: key, Outcome: state.OutcomeNoMatch, FetchedAt: Epoch.Add(-time.Hour), ExpiresAt: Epoch.Add(exp)})
	}
	if err := s.SaveEnrichments(ctx, state.Spend{}, es); err != nil {
		t.Fatal(err)
	}
	for _, want := range []int{2, 0} { // the second purge finds nothing left
		if n, err := s.PurgeExpired(ctx, Epoch); err != nil || n != want {
			t.Errorf("PurgeExpired = %d, %v; want %d", n, err, want)
		}
	}
	// An early "now" shows whether the expired rows are really gone, not just hidden.
	for key, want := range map[string]bool{"past": false, "now": false, "future": true} {
		e, err := s.Enrichment(ctx, key, Epoch.Add(-2*time.Hour))
		if err != nil || (e != nil) != want {
			t.Errorf("Enrichment(%s) after purge = %v, %v; want present=%v", key, e, err, want)
		}
	}
}
