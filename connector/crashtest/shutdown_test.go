package crashtest

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/leadsync/leadsync/state"
)

// waitForPaidCalls polls until the fake Lusha has answered n paid calls: a sync is
// then in the middle of its work. It fails the test after limit.
func (f *fixture) waitForPaidCalls(t *testing.T, n int, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for len(f.lushaTap.Calls()) < n {
		if time.Now().After(deadline) {
			t.Fatalf("no sync reached %d paid Lusha calls within %v", n, limit)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestCleanShutdown sends SIGTERM to `leadsync run` in the middle of a run.
//
// Proves I8: the daemon exits 0 within shutdown_grace, the run's row is finished, no
// record is left half-done (none pending, every CRM value has its ledger row), and
// the next sync carries on and finishes with nothing lost (I1) or bought twice (I2).
func TestCleanShutdown(t *testing.T) {
	const grace = 10 * time.Second
	f := newFixture(t, fixtureOptions{Seed: 21, Leads: 2000, LushaRate: 12, Schedule: "@every 1s", Grace: grace})
	c := f.start(t, "run", "-c", f.cfgPath)
	f.waitForPaidCalls(t, 3, 60*time.Second)

	sent := time.Now()
	c.signal(t, syscall.SIGTERM)
	out, ended := c.waitAtMost(t, grace+20*time.Second)
	took := time.Since(sent)
	if !ended {
		t.Fatalf("leadsync run was still running %v after SIGTERM (grace %v); stderr:\n%s", took, grace, tail(out.Stderr))
	}
	if out.Code != 0 {
		t.Fatalf("leadsync run exited %d after SIGTERM, want 0; stderr:\n%s", out.Code, tail(out.Stderr))
	}
	if took > grace {
		t.Errorf("leadsync run took %v to stop after SIGTERM, beyond its grace of %v", took, grace)
	}

	ctx := context.Background()
	store, err := state.Open(ctx, f.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	runs, err := store.Runs(ctx, pipelineName, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) == 0 {
		t.Fatal("the daemon recorded no run")
	}
	for _, r := range runs {
		if r.Status == "running" || r.FinishedAt.IsZero() {
			t.Errorf("run %s is left %q (finished %v) after a clean shutdown", r.RunID, r.Status, r.FinishedAt)
		}
	}
	pending := 0
	for id, r := range mustRecords(t, store, f.contactIDs()) {
		if r.Status == state.StatusPending {
			pending++
			if pending <= 3 {
				t.Errorf("contact %s left pending by the shutdown: %s", id, r.Reason)
			}
		}
	}
	_ = store.Close()
	interrupted := runs[0]
	f.checkWrites(t) // I6 right after the shutdown: nothing written without its ledger row

	_, finishing := f.syncUntilQuiet(t, 10)
	settled := f.checkSettled(t)
	spent := f.checkSpend(t, 0)
	t.Logf("SIGTERM mid-run: exit 0 in %v (grace %v), last run %s %q read %d; %d syncs to finish; "+
		"states %v; %d paid calls in all, none bought twice", took.Round(time.Millisecond), grace,
		interrupted.RunID, interrupted.Status, interrupted.Counts.RecordsRead, finishing, settled, spent.PaidCalls)
}

func mustRecords(t *testing.T, store state.Store, ids []string) map[string]state.RecordState {
	t.Helper()
	recs, err := store.RecordsOf(context.Background(), pipelineName, crmAccount, ids)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}
