package statetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/leadsync/leadsync/state"
)

// testIdentityClaims plays single flight between owners: a live claim is
// exclusive, an expired one is free, a release or a saved answer frees it.
func testIdentityClaims(t *testing.T, s state.Store, c *Clock) {
	ctx := t.Context()
	answer := func(key string) []state.Enrichment {
		return []state.Enrichment{{Key: key, Outcome: state.OutcomeNoMatch, ExpiresAt: Epoch.Add(time.Hour)}}
	}
	steps := []struct {
		name    string
		advance time.Duration
		before  func() error // runs before the claim
		owner   string
		keys    []string
		want    []string
	}{
		{name: "A claims free keys", owner: "A", keys: []string{"k1", "k2", "k3"}, want: []string{"k1", "k2", "k3"}},
		{name: "B gets only what A does not hold", owner: "B", keys: []string{"k3", "k4", "k2"}, want: []string{"k4"}},
		{name: "A renews its own, once each", advance: 30 * time.Second, owner: "A",
			keys: []string{"k1", "k1", "k5"}, want: []string{"k1", "k5"}},
		{name: "B takes A's expired claims, not the renewed one", advance: 40 * time.Second, owner: "B",
			keys: []string{"k2", "k1", "k3"}, want: []string{"k2", "k3"}},
		{name: "A's release frees only A's claims", owner: "C", keys: []string{"k1", "k2", "k5"}, want: []string{"k1", "k5"},
			before: func() error { return s.ReleaseClaims(ctx, "A", []string{"k1", "k2", "k5"}) }},
		{name: "a saved answer frees the claim on its key", owner: "C", keys: []string{"k4", "k3"}, want: []string{"k4"},
			before: func() error { return s.SaveEnrichments(ctx, state.Spend{}, answer("k4")) }},
		{name: "no keys, no claims", owner: "C", keys: nil, want: nil},
	}
	for _, st := range steps {
		c.Advance(st.advance)
		if st.before != nil {
			if err := st.before(); err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
		}
		got, err := s.ClaimIdentities(ctx, st.owner, st.keys, time.Minute)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if diff := cmp.Diff(st.want, got, equate); diff != "" {
			t.Errorf("%s (-want +got):\n%s", st.name, diff)
		}
	}
	// After the steps: C holds k1 and k5 (claimed now), B holds k3 (since 40 s ago)
	// and k2 expired an age ago; unclaimed keys are absent.
	holders, err := s.ClaimHolders(ctx, []string{"k1", "k3", "k5", "k9"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"k1": "C", "k3": "B", "k5": "C"}, holders); diff != "" {
		t.Errorf("claim holders (-want +got):\n%s", diff)
	}
	c.Advance(2 * time.Minute)
	if holders, _ := s.ClaimHolders(ctx, []string{"k1", "k3"}); len(holders) != 0 {
		t.Errorf("expired claims still have holders: %v", holders)
	}
	for _, bad := range []struct {
		owner string
		keys  []string
		ttl   time.Duration
	}{{"", []string{"k"}, time.Minute}, {"A", []string{"k"}, 0}, {"A", []string{"k", ""}, time.Minute}} {
		if _, err := s.ClaimIdentities(ctx, bad.owner, bad.keys, bad.ttl); err == nil {
			t.Errorf("ClaimIdentities(%q, %q, %v) succeeded", bad.owner, bad.keys, bad.ttl)
		}
	}
}
