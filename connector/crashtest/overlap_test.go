package crashtest

import (
	"context"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/leadsync/leadsync/state"
)

// leaseRefused tells whether a sync ended because another process held the lease.
func leaseRefused(o outcome) bool {
	return o.Code == 1 && strings.Contains(o.Stderr, "lease held")
}

// TestNoOverlap starts a second sync on the same state file while a first one runs,
// and then two at the very same moment.
//
// Proves the lease half of DESIGN §2 step 1 and, through it, I2: two processes never
// run one pipeline at once; the second is refused (exit 1, "lease held" on stderr)
// or runs after the first, and no purchase is ever made twice.
func TestNoOverlap(t *testing.T) {
	f := newFixture(t, fixtureOptions{Seed: 41, Leads: 2000, Reserve: 400, LushaRate: 12})

	first := f.start(t, "sync", "-c", f.cfgPath, "--json")
	f.waitForPaidCalls(t, 2, 60*time.Second)
	second := f.sync(t)
	if !leaseRefused(second) {
		t.Errorf("a sync started while another held the lease: exit %d, stdout %q, stderr:\n%s",
			second.Code, second.Stdout, tail(second.Stderr))
	}
	if sum := first.wait(t, 0).summary(t); sum.RecordsRead != 2000 {
		t.Errorf("the first sync read %d records, want 2000", sum.RecordsRead)
	}

	// Two at once: one is refused, or they take turns.
	f.addReserve(400)
	a := f.start(t, "sync", "-c", f.cfgPath, "--json")
	b := f.start(t, "sync", "-c", f.cfgPath, "--json")
	outA, outB := a.wait(t, 0), b.wait(t, 0)
	refused := 0
	for _, o := range []outcome{outA, outB} {
		switch {
		case leaseRefused(o):
			refused++
		case o.Code != 0:
			t.Errorf("a concurrent sync failed otherwise: exit %d, stderr:\n%s", o.Code, tail(o.Stderr))
		}
	}
	f.syncUntilQuiet(t, 10)
	settled := f.checkSettled(t)
	spent := f.checkSpend(t, 0)
	f.checkWrites(t)
	t.Logf("second sync refused mid-run; of two simultaneous syncs %d was refused; states %v; %d paid calls, none twice",
		refused, settled, spent.PaidCalls)
}

// TestCrashedHolderFreesItsLeaseAtOnce SIGKILLs a sync while it holds the lease.
//
// Proves that a crash does not lock the pipeline: a lease whose owner is a dead
// process of this host is taken at once, and the next sync carries on (I1) without
// buying twice beyond the one call in flight (I2). A lease of a live owner elsewhere
// is refused with a message that says who holds it and until when, and is free once
// it expires.
func TestCrashedHolderFreesItsLeaseAtOnce(t *testing.T) {
	f := newFixture(t, fixtureOptions{Seed: 42, Leads: 1000, LushaRate: 12})
	c := f.start(t, "sync", "-c", f.cfgPath, "--json")
	f.waitForPaidCalls(t, 2, 60*time.Second)
	c.signal(t, syscall.SIGKILL)
	if out := c.wait(t, 0); !out.Killed {
		t.Fatalf("the sync ended (exit %d) before it could be killed", out.Code)
	}
	if out := f.sync(t); leaseRefused(out) || out.Code != 0 {
		t.Fatalf("right after the holder's crash the pipeline was still locked: exit %d, stderr:\n%s", out.Code, tail(out.Stderr))
	}

	// A holder on another host may be alive: its lease is waited out.
	ctx := context.Background()
	store, err := state.Open(ctx, f.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	const elsewhere = "another-host/4242/1"
	lease, err := store.Acquire(ctx, pipelineName, elsewhere, 3*time.Second)
	_ = store.Close()
	if err != nil {
		t.Fatal(err)
	}
	out := f.sync(t)
	until := lease.ExpiresAt.UTC().Format(time.RFC3339)
	if !leaseRefused(out) || !strings.Contains(out.Stderr, elsewhere) || !strings.Contains(out.Stderr, until) {
		t.Fatalf("a live holder's lease was not refused by name and expiry (%s until %s): exit %d, stderr:\n%s",
			elsewhere, until, out.Code, tail(out.Stderr))
	}
	if n := strings.Count(lastLine(out.Stderr), pipelineName); n != 1 {
		t.Errorf("the refusal names the pipeline %d times: %s", n, lastLine(out.Stderr))
	}
	time.Sleep(time.Until(lease.ExpiresAt) + 100*time.Millisecond) // the lease's own expiry, not a speed assertion

	f.syncUntilQuiet(t, 10)
	settled := f.checkSettled(t)
	spent := f.checkSpend(t, 1)
	f.checkWrites(t)
	t.Logf("crashed holder's lease taken at once; a live holder's refused until it expired; then states %v, %d lost call(s)",
		settled, spent.LostCalls)
}

// lastLine is the last non-empty line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
