package crashtest

import (
	"context"
	"errors"
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

// TestCrashedHolderLeaseExpires SIGKILLs a sync while it holds the lease.
//
// Proves that a crashed holder blocks the pipeline only until its lease expires: right
// after the crash a new sync is refused, once Runner.LeaseTTL (2 min) has passed the
// lease can be taken, and the next sync then carries on (I1) without buying twice
// beyond the one call in flight (I2). The two minutes are not waited: a store whose
// clock runs LeaseTTL ahead takes the lease, as any process would after that time.
func TestCrashedHolderLeaseExpires(t *testing.T) {
	f := newFixture(t, fixtureOptions{Seed: 42, Leads: 1000, LushaRate: 12})
	c := f.start(t, "sync", "-c", f.cfgPath, "--json")
	f.waitForPaidCalls(t, 2, 60*time.Second)
	c.signal(t, syscall.SIGKILL)
	if out := c.wait(t, 0); !out.Killed {
		t.Fatalf("the sync ended (exit %d) before it could be killed", out.Code)
	}
	if out := f.sync(t); !leaseRefused(out) {
		t.Fatalf("right after the holder's crash a sync was not refused: exit %d, stderr:\n%s", out.Code, tail(out.Stderr))
	}

	ctx := context.Background()
	const leaseTTL = 2 * time.Minute // connector.Runner's default; no config key sets it
	now := time.Now()
	early, err := state.Open(ctx, f.dbPath, state.WithClock(func() time.Time { return now.Add(leaseTTL - 10*time.Second) }))
	if err != nil {
		t.Fatal(err)
	}
	if err := early.AcquireLease(ctx, pipelineName, "crashtest-early", time.Minute); !errors.Is(err, state.ErrLeaseHeld) {
		t.Errorf("before the TTL passed the crashed holder's lease was not held: %v", err)
	}
	_ = early.Close()
	later, err := state.Open(ctx, f.dbPath, state.WithClock(func() time.Time { return now.Add(leaseTTL + time.Second) }))
	if err != nil {
		t.Fatal(err)
	}
	if err := later.AcquireLease(ctx, pipelineName, "crashtest-later", time.Minute); err != nil {
		t.Fatalf("after the TTL the crashed holder's lease was still held: %v", err)
	}
	if err := later.ReleaseLease(ctx, pipelineName, "crashtest-later"); err != nil {
		t.Fatal(err)
	}
	_ = later.Close()

	f.syncUntilQuiet(t, 10)
	settled := f.checkSettled(t)
	spent := f.checkSpend(t, 1)
	f.checkWrites(t)
	t.Logf("crashed holder's lease held before %v and free after; then states %v, %d lost call(s)",
		leaseTTL, settled, spent.LostCalls)
}
