package statetest

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/leadsync/leadsync/state"
)

// leaseOp is one step of a lease's life, as the suite plays it.
type leaseOp struct {
	name    string
	advance time.Duration
	do      string // acquire, release, break, renew
	owner   string
	gen     int64 // renew: the fence's generation
	wantGen int64 // acquire, renew: the lease's generation
	wantErr error // state.ErrLeaseHeld, state.ErrLeaseLost or nil
}

// testLeaseGenerations checks that a lease's generation grows each time the lease
// changes hands, including a release and a new acquire, and never on a renewal.
func testLeaseGenerations(t *testing.T, s state.Store, c *Clock) {
	playLease(t, s, c, []leaseOp{
		{name: "A takes a new lease", do: "acquire", owner: "A", wantGen: 1},
		{name: "A renews by acquiring", advance: 30 * time.Second, do: "acquire", owner: "A", wantGen: 1},
		{name: "B is refused", do: "acquire", owner: "B", wantErr: state.ErrLeaseHeld},
		{name: "A releases", do: "release", owner: "A"},
		{name: "A takes it again: a new holding", do: "acquire", owner: "A", wantGen: 2},
		{name: "A's lease expires, B takes it", advance: 2 * time.Minute, do: "acquire", owner: "B", wantGen: 3},
		{name: "A is refused", do: "acquire", owner: "A", wantErr: state.ErrLeaseHeld},
		{name: "A may not release B's lease", do: "release", owner: "A", wantErr: state.ErrLeaseHeld},
		{name: "breaking a lease A does not hold is no error", do: "break", owner: "A"},
		{name: "B still holds it", do: "acquire", owner: "A", wantErr: state.ErrLeaseHeld},
		{name: "B's process is dead: its lease is broken", do: "break", owner: "B"},
		{name: "A takes the broken lease at once", do: "acquire", owner: "A", wantGen: 4},
		{name: "A's own expired lease is renewed, not retaken", advance: 5 * time.Minute, do: "acquire", owner: "A", wantGen: 4},
	})
}

// testRenew checks that Renew extends only the holding its fence names, even past
// its expiry while nobody took it, and says who holds the lease once it is lost.
func testRenew(t *testing.T, s state.Store, c *Clock) {
	playLease(t, s, c, []leaseOp{
		{name: "A takes the lease", do: "acquire", owner: "A", wantGen: 1},
		{name: "A renews", advance: 30 * time.Second, do: "renew", owner: "A", gen: 1, wantGen: 1},
		{name: "A renews after its expiry, nobody took it", advance: 5 * time.Minute, do: "renew", owner: "A", gen: 1, wantGen: 1},
		{name: "a stale generation is lost", do: "renew", owner: "A", gen: 0, wantErr: state.ErrLeaseLost},
		{name: "B takes it over once expired", advance: 2 * time.Minute, do: "acquire", owner: "B", wantGen: 2},
		{name: "A's renewal after the takeover fails", do: "renew", owner: "A", gen: 1, wantErr: state.ErrLeaseLost},
		{name: "B renews", do: "renew", owner: "B", gen: 2, wantGen: 2},
		{name: "B releases", do: "release", owner: "B"},
		{name: "B cannot renew a released lease", do: "renew", owner: "B", gen: 2, wantErr: state.ErrLeaseLost},
	})
	_, err := s.Renew(t.Context(), state.Fence{Pipeline: "p", Owner: "A", Generation: 1}, time.Minute)
	if !strings.Contains(err.Error(), "released") {
		t.Errorf("Renew of a released lease: %q does not say it was released", err)
	}
}

// playLease runs ops on pipeline p with a one-minute ttl.
func playLease(t *testing.T, s state.Store, c *Clock, ops []leaseOp) {
	t.Helper()
	ctx := t.Context()
	for _, op := range ops {
		c.Advance(op.advance)
		var (
			l   state.Lease
			err error
		)
		switch op.do {
		case "acquire":
			l, err = s.Acquire(ctx, "p", op.owner, time.Minute)
		case "renew":
			l, err = s.Renew(ctx, state.Fence{Pipeline: "p", Owner: op.owner, Generation: op.gen}, time.Minute)
		case "release":
			err = s.ReleaseLease(ctx, "p", op.owner)
		case "break":
			err = s.BreakLease(ctx, "p", op.owner)
		}
		if !errors.Is(err, op.wantErr) || (op.wantErr == nil) != (err == nil) {
			t.Fatalf("%s: err = %v, want %v", op.name, err, op.wantErr)
		}
		if err != nil || (op.do != "acquire" && op.do != "renew") {
			continue
		}
		want := state.Lease{Pipeline: "p", Owner: op.owner, Generation: op.wantGen,
			AcquiredAt: l.AcquiredAt, ExpiresAt: c.Now().Add(time.Minute)}
		if diff := cmp.Diff(want, l); diff != "" {
			t.Errorf("%s: lease (-want +got):\n%s", op.name, diff)
		}
		if l.Fence() != (state.Fence{Pipeline: "p", Owner: op.owner, Generation: op.wantGen}) {
			t.Errorf("%s: Fence() = %+v", op.name, l.Fence())
		}
	}
}

// testLeaseHeldError checks what a refused Acquire says: who holds the lease and
// until when, naming the pipeline once.
func testLeaseHeldError(t *testing.T, s state.Store, c *Clock) {
	ctx := t.Context()
	first, err := s.Acquire(ctx, "hs-contacts", "host/123/456", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if !first.AcquiredAt.Equal(Epoch) {
		t.Errorf("AcquiredAt = %v, want %v", first.AcquiredAt, Epoch)
	}
	c.Advance(time.Minute)
	if l, err := s.Acquire(ctx, "hs-contacts", "host/123/456", time.Hour); err != nil || !l.AcquiredAt.Equal(Epoch) {
		t.Errorf("renewal = %+v, %v; want AcquiredAt kept at %v", l, err, Epoch)
	}
	_, err = s.Acquire(ctx, "hs-contacts", "other/1/2", time.Minute)
	held, ok := errors.AsType[*state.LeaseHeldError](err)
	if !ok || !errors.Is(err, state.ErrLeaseHeld) {
		t.Fatalf("Acquire of a held lease: %v (%T), want a *LeaseHeldError matching ErrLeaseHeld", err, err)
	}
	until := Epoch.Add(time.Minute + time.Hour)
	if diff := cmp.Diff(&state.LeaseHeldError{Pipeline: "hs-contacts", Owner: "host/123/456", Until: until}, held); diff != "" {
		t.Errorf("LeaseHeldError (-want +got):\n%s", diff)
	}
	if got, want := err.Error(), "pipeline hs-contacts: lease held by host/123/456 until 2026-03-01T10:01:00Z"; got != want {
		t.Errorf("error = %q, want %q", got, want)
	}
}
