package crashtest

import (
	"context"
	"log/slog"
	"testing"

	"go.uber.org/goleak"

	"github.com/leadsync/leadsync/connector"
	"github.com/leadsync/leadsync/connector/config"
)

// engine builds the engine in this process on the fixture's config, as
// `leadsync sync` would (the config shortens retry waits for tests).
func (f *fixture) engine(t *testing.T) *connector.Engine {
	t.Helper()
	cfg, err := config.Load(f.cfgPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := connector.Build(context.Background(), cfg, f.getenv, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

// runUntilQuiet runs the pipeline in-process until a run ends ok having read nothing
// new; it returns how many runs ended with each status.
func runUntilQuiet(t *testing.T, eng *connector.Engine, maxRuns int) map[string]int {
	t.Helper()
	statuses := map[string]int{}
	for range maxRuns {
		sum, err := eng.Runner.Run(context.Background(), eng.Pipelines[0], connector.RunOptions{})
		if err != nil {
			t.Fatalf("run failed outside its summary: %v", err)
		}
		statuses[sum.Status]++
		if sum.Status == connector.RunOK && sum.RecordsRead == 0 {
			return statuses
		}
	}
	t.Fatalf("after %d runs there were still records to read; statuses %v", maxRuns, statuses)
	return nil
}

// verifyNoLeaks checks, after every other cleanup of the test, that no goroutine
// the test started is left; call it first.
func verifyNoLeaks(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
}

// TestChaos syncs 10,000 leads in-process while both fakes fail 20 % of requests
// (5xx, 429, slow answers) and 5 % of paid Lusha answers are lost on the wire (the fake has charged, the client sees the connection drop).
//
// Proves I1 under faults: over repeated runs every lead ends done, skipped or parked.
// Proves I2 under faults: no purchase is repeated beyond one per lost answer. Proves
// I3 and I6 as the crash test does, and that runs leak no goroutine.
func TestChaos(t *testing.T) {
	verifyNoLeaks(t)
	leads := 10_000
	if testing.Short() {
		leads = 2_000
	}
	f := newFixture(t, fixtureOptions{Seed: 31, Leads: leads, LushaRate: 1000, Chaos: 0.2, Drop: 0.05})
	eng := f.engine(t)
	statuses := runUntilQuiet(t, eng, 60)
	if err := eng.Close(); err != nil {
		t.Fatal(err)
	}
	settled := f.checkSettled(t)
	spent := f.checkSpend(t, f.lushaTap.Drops())
	written := f.checkWrites(t)
	t.Logf("%d leads under 20%% chaos: runs %v; states %v; %d paid calls, %d answers dropped, %d calls bought again; %d written values with ledger rows",
		leads, statuses, settled, spent.PaidCalls, f.lushaTap.Drops(), spent.LostCalls, written)
}
