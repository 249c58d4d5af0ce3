package crashtest

import (
	"math/rand/v2"
	"net/http"
	"sync"
	"syscall"
	"testing"
	"time"
)

// minKills is how many SIGKILLs the crash test deals out mid-sync.
const minKills = 15

// TestCrashSafety runs the real binary against 2,000 leads and SIGKILLs it at
// random, seeded points many times, then lets syncs finish.
//
// Proves I1: every contact ends done, skipped by rule or parked, whatever the kills hit.
// Proves I2: no person is searched, no data point revealed and no company enriched
// again beyond one lost call per kill, and the store accounts for every other credit.
// Proves I3: no hand-typed value is overwritten. Proves I6: every value leadsync
// wrote into the CRM has its ledger row.
func TestCrashSafety(t *testing.T) {
	f := newFixture(t, fixtureOptions{Seed: 11, Leads: 2000, Reserve: 1000, LushaRate: 12})
	r := rand.New(rand.NewPCG(11, 0xc4a5))
	kills, runs, added := 0, 0, 0
	for kills < minKills && runs < 20*minKills {
		runs++
		delay := time.Duration(20+r.IntN(381)) * time.Millisecond
		out := f.start(t, "sync", "-c", f.cfgPath, "--json").wait(t, delay)
		if out.Killed {
			kills++
			f.expireLease(t)
			continue
		}
		// The sync ended before its kill: when nothing was left, new leads arrive
		// so that the next kills land mid-sync again.
		if sum := out.summary(t); sum.RecordsRead == 0 {
			added += f.addReserve(200)
		}
	}
	if kills < minKills {
		t.Fatalf("only %d of %d syncs could be killed mid-run", kills, runs)
	}
	last, finishing := f.syncUntilQuiet(t, 10)
	if last.CreditsSpent != 0 || last.FieldsWritten != 0 {
		t.Errorf("the quiet sync spent %d credits and wrote %d fields, want none", last.CreditsSpent, last.FieldsWritten)
	}

	settled := f.checkSettled(t)
	spent := f.checkSpend(t, kills)
	written := f.checkWrites(t)
	t.Logf("survived %d SIGKILLs in %d killed-or-not syncs (+%d to finish); %d leads (%d added mid-test): "+
		"I1 states %v; I2 %d paid Lusha calls, %d lost to kills (≤ %d), %d purchases repeated; "+
		"I3 %d hand-typed contacts intact; I6 %d written values checked for their ledger row",
		kills, runs, finishing, len(f.seeded), added, settled, spent.PaidCalls, spent.LostCalls, kills,
		len(spent.Repeated), len(f.hand), written)
}

// TestCrashDuringCRMWrite kills the binary while a HubSpot batch write is in flight:
// HubSpot has applied it, leadsync never hears back. This is the one point where the
// CRM holds values the store knows nothing of.
//
// Proves I1 and I6 at their hardest point: the next syncs must still settle every
// written contact and give every written value its ledger row.
func TestCrashDuringCRMWrite(t *testing.T) {
	f := newFixture(t, fixtureOptions{Seed: 12, Leads: 600})
	c := f.start(t, "sync", "-c", f.cfgPath, "--json")
	var once sync.Once
	f.hubTap.setBeforeAnswer(func(call call) bool {
		if call.Status != http.StatusOK && call.Status != http.StatusMultiStatus {
			return false
		}
		killed := false
		once.Do(func() {
			// Kill before answering: the write is applied, the answer never arrives.
			_ = c.cmd.Process.Signal(syscall.SIGKILL)
			killed = true
		})
		return killed
	})
	if out := c.wait(t, 0); !out.Killed {
		t.Fatalf("the sync was not killed during its first CRM write (exit %d)", out.Code)
	}
	f.hubTap.setBeforeAnswer(nil)
	f.expireLease(t)
	f.syncUntilQuiet(t, 10)

	settled := f.checkSettled(t)
	spent := f.checkSpend(t, 1)
	written := f.checkWrites(t)
	t.Logf("killed during a CRM write; then: states %v, %d lost Lusha calls, %d written values checked",
		settled, spent.LostCalls, written)
}
