package crashtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/leadsync/leadsync/state"
)

const (
	replicaCount = 3
	// replicaLeads are the leads in all; replicaSeeded of them are in the CRMs at the
	// start, and the others arrive with the kills, so that kills keep finding work.
	replicaLeads, replicaSeeded = 10_000, 7_000
	// replicaKills are the SIGKILLs dealt after the stall.
	replicaKills = 10
	// replicaTTL is the lease_ttl, the shortest the config takes: a stall outlasts it
	// in seconds, and River rescues a killed replica's tick soonest (cluster.Timings:
	// after 7 TTLs, at River's rescuer's next round, every 30 s); until then that
	// pipeline has no ticks.
	replicaTTL = 3 * time.Second
)

// TestReplicasUnderKills runs 3 replicas of the real binary (`leadsync run` on one
// PostgreSQL database) against 10,000 leads in 6 pipelines on 2 fake HubSpot portals
// and a fake Salesforce org, all fakes enforcing their documented limits. A replica in
// a run is SIGSTOPped past its lease and continued; then replicas are SIGKILLed and
// restarted at random (seeded), one in a run whenever one is, while the last 3,000
// leads arrive. Then all three run until every lead is settled, and stop on SIGTERM.
//
// A killed replica's ticks stay "running" until River rescues them (7 lease TTLs,
// then the rescuer's next round, within a minute here): meanwhile those pipelines
// have no runs, and some later kills hit replicas between runs (leaders, restarts,
// migrations) rather than in one.
//
// Proves, from the fakes' side: I1 (every lead done, skipped by rule or parked; every
// done one carries the mapping's marker in its CRM); I2 (no purchase twice beyond one
// lost call per run a kill or the stall cut short, and the store accounts for every
// other credit); I3 (no hand-typed value overwritten); no pipeline ever ran twice at
// once, seen in the fakes' request logs (runOverlaps); and all replicas
// together got no 429 from any fake: the limits are shared through PostgreSQL.
func TestReplicasUnderKills(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads process states from /proc")
	}
	began := time.Now()
	f := newClusterFixture(t, 14, replicaLeads, replicaSeeded, replicaTTL)
	store := f.openStore(t)
	r := rand.New(rand.NewPCG(14, 0x3e91))
	slots := make([]*incarnation, replicaCount)
	for i := range slots {
		slots[i] = f.startReplica(t, i)
	}
	f.waitBusy(t, store, slots)
	kills, midRun := 0, 0
	kill := func() {
		time.Sleep(time.Duration(300+r.IntN(1500)) * time.Millisecond)
		// A replica in a run is the one to kill; none may be for a while (every
		// pipeline done, or waiting for River's rescue).
		i, busy := f.pickBusy(t, store, r, slots)
		for wait := time.Now().Add(3 * time.Second); !busy && time.Now().Before(wait); {
			time.Sleep(100 * time.Millisecond)
			i, busy = f.pickBusy(t, store, r, slots)
		}
		if busy {
			midRun++
		}
		f.kill(t, slots[i])
		kills++
		f.addLeads(t, (replicaLeads-replicaSeeded)/replicaKills)
		time.Sleep(time.Duration(r.IntN(800)) * time.Millisecond)
		slots[i] = f.startReplica(t, i)
	}
	// The stall comes first: a kill in a run leaves that run's tick job running on a
	// dead replica until River rescues it (replicaTTL), and until then the pipeline
	// has no runs at all, stalled or not.
	stalled := f.stall(t, store, r, slots)
	// The first kill lands once the runs have bought and written for a while after
	// (or were done sooner).
	paid, limit := len(f.paid.lushaTap.Calls()), time.Now().Add(20*time.Second)
	for len(f.paid.lushaTap.Calls()) < paid+30 && time.Now().Before(limit) {
		time.Sleep(10 * time.Millisecond)
	}
	for range replicaKills {
		kill()
	}
	chaos := time.Since(began)
	settled := f.waitSettled(t, store, 5*time.Minute)
	for _, in := range slots {
		in.w.signal(t, syscall.SIGTERM)
	}
	for _, in := range slots {
		out, ok := in.w.waitAtMost(t, time.Minute)
		if !ok || out.Code != 0 {
			t.Errorf("replica %d (pid %d) did not stop cleanly on SIGTERM: exit %d; stderr:\n%s",
				in.slot, in.pid, out.Code, tail(out.Stderr))
		}
	}

	runs, err := store.Runs(context.Background(), "", 0)
	if err != nil {
		t.Fatal(err)
	}
	hits := f.hits.all()
	f.checkLeadsSettled(t, store)
	f.checkHandTyped(t)
	lost := f.cutShort(runs)
	spent := f.paid.checkRepeats(t, lost)
	f.paid.checkCredits(t, store, lost)
	overlaps, spans := f.runOverlaps(hits, runs)
	for _, p := range overlaps[:min(10, len(overlaps))] {
		t.Error(p)
	}
	if len(overlaps) > 10 {
		t.Errorf("%d problems in all with one run at a time", len(overlaps))
	}
	limited := f.check429s(t, hits)
	t.Logf("%d leads, %d pipelines, %d replicas: %d SIGKILLs (%d mid-run), stalled pid %d for %s (lease_ttl %s); "+
		"chaos %s, settled %s later; %d runs %s, %d cut short; I1 %v; I2 %d paid Lusha calls, %d bought again (≤ %d), "+
		"%d credits; %d run spans never overlapped; 429s %v; %d requests (%s); %s in all",
		len(f.seededLeads()), len(clusterPipelines), replicaCount, kills, midRun, stalled.pid, replicaTTL+2*time.Second,
		replicaTTL, chaos.Round(time.Second), settled.Round(time.Second), len(runs), f.runsPerSlot(runs), lost,
		f.statusCounts(t, store), spent.PaidCalls, spent.LostCalls, lost, f.lusha.CreditsUsed(), spans, limited,
		len(hits), f.requestsPerSlot(hits), time.Since(began).Round(time.Second))
}

// openStore opens the replicas' database once `leadsync migrate` has made it.
func (f *clusterFixture) openStore(t *testing.T) *state.Postgres {
	t.Helper()
	f.migrate(t)
	store, err := state.OpenPostgres(context.Background(), f.dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	return store
}

// pickBusy picks a slot whose replica is in the middle of a run, when one is, at
// random; otherwise any slot.
func (f *clusterFixture) pickBusy(t *testing.T, store state.Store, r *rand.Rand, slots []*incarnation) (slot int, busy bool) {
	t.Helper()
	runs, err := store.Runs(context.Background(), "", 50)
	if err != nil {
		t.Fatal(err)
	}
	var running []int
	for i, in := range slots {
		if slices.ContainsFunc(runs, func(run state.Run) bool {
			return run.Status == "running" && runnerPID(run.Runner) == in.pid
		}) {
			running = append(running, i)
		}
	}
	if len(running) == 0 {
		return r.IntN(len(slots)), false
	}
	return running[r.IntN(len(running))], true
}

func (f *clusterFixture) kill(t *testing.T, in *incarnation) {
	t.Helper()
	in.killedAt = time.Now()
	in.w.signal(t, syscall.SIGKILL)
	if out, _ := in.w.waitAtMost(t, time.Minute); !out.Killed {
		t.Fatalf("replica %d (pid %d) ended before its kill: exit %d; stderr:\n%s", in.slot, in.pid, out.Code, tail(out.Stderr))
	}
}

// waitBusy waits for the replicas' first run; the limit only bounds a broken test.
func (f *clusterFixture) waitBusy(t *testing.T, store state.Store, slots []*incarnation) {
	t.Helper()
	for limit := time.Now().Add(2 * time.Minute); ; time.Sleep(100 * time.Millisecond) {
		if _, busy := f.pickBusy(t, store, rand.New(rand.NewPCG(0, 0)), slots); busy {
			return
		}
		if time.Now().After(limit) {
			for _, in := range slots {
				t.Logf("replica %d (pid %d) stderr:\n%s", in.slot, in.pid, tail(in.w.stderr.String()))
			}
			t.Fatal("no replica started a run in 2 minutes")
		}
	}
}

// stall SIGSTOPs a replica, one in a run when there is one, past lease_ttl, and
// continues it.
func (f *clusterFixture) stall(t *testing.T, store state.Store, r *rand.Rand, slots []*incarnation) *incarnation {
	t.Helper()
	i, _ := f.pickBusy(t, store, r, slots)
	in := slots[i]
	in.stalled = true
	in.w.sigStop(t)
	time.Sleep(f.ttl + 2*time.Second) // the lease's own expiry passes
	in.w.sigCont(t)
	return in
}

// unsettled counts the leads whose record state is not done, skipped or parked, with
// an example.
func (f *clusterFixture) unsettled(t *testing.T, store state.Store) (int, string) {
	t.Helper()
	n, eg := 0, ""
	for _, p := range clusterPipelines {
		ids := f.idsOf(p.Name)
		recs, err := store.RecordsOf(context.Background(), p.Name, p.CRM, ids)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			rec, ok := recs[id]
			if ok && slices.Contains([]string{state.StatusDone, state.StatusSkipped, state.StatusParked}, rec.Status) {
				continue
			}
			if n++; eg == "" {
				eg = fmt.Sprintf("%s %s (state %q: %s)", p.Name, id, rec.Status, rec.Reason)
			}
		}
	}
	return n, eg
}

func (f *clusterFixture) idsOf(pipeline string) []string {
	var ids []string
	for _, l := range f.seededLeads() {
		if l.Pipeline == pipeline {
			ids = append(ids, l.ID)
		}
	}
	return ids
}

// waitSettled waits until every lead is settled; the limit only bounds a broken test
// (a killed replica's tick is rescued after cluster.Timings' delay).
func (f *clusterFixture) waitSettled(t *testing.T, store state.Store, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		n, eg := f.unsettled(t, store)
		if n == 0 {
			return time.Since(start)
		}
		if time.Since(start) > limit {
			t.Fatalf("after %s, %d leads are still not settled, e.g. %s", limit, n, eg)
		}
		time.Sleep(time.Second)
	}
}

// checkLeadsSettled proves I1 from both sides: every lead has a settled state, and
// every lead done carries the marker its mapping stamps, in its CRM.
func (f *clusterFixture) checkLeadsSettled(t *testing.T, store state.Store) {
	t.Helper()
	if n, eg := f.unsettled(t, store); n > 0 {
		t.Errorf("I1: %d leads are neither done, skipped nor parked, e.g. %s", n, eg)
	}
	unmarked := 0
	for _, p := range clusterPipelines {
		recs, err := store.RecordsOf(context.Background(), p.Name, p.CRM, f.idsOf(p.Name))
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range f.seededLeads() {
			if l.Pipeline != p.Name || recs[l.ID].Status != state.StatusDone || f.current(l)[markerOf(l.CRM)] != "" {
				continue
			}
			if unmarked++; unmarked <= 5 {
				t.Errorf("I1: %s record %s is done in the store but has no %s in its CRM", l.CRM, l.ID, markerOf(l.CRM))
			}
		}
	}
}

// checkHandTyped proves I3: every value a salesperson typed is still there.
func (f *clusterFixture) checkHandTyped(t *testing.T) {
	t.Helper()
	for _, l := range f.seededLeads() {
		now := f.current(l)
		for field, v := range l.Hand {
			if now[field] != v {
				t.Errorf("I3: %s record %s: hand-typed %s %q was overwritten with %q", l.CRM, l.ID, field, v, now[field])
			}
		}
	}
}

// cutShort counts the runs that a kill or the stall ended before their own end: each
// may have lost the answer to the one Lusha call it had in flight (I2's allowance).
// A killed replica's run is still "running", or a later run marked it interrupted;
// the stalled replica's runs lost their lease.
func (f *clusterFixture) cutShort(runs []state.Run) int {
	n := 0
	for _, r := range runs {
		in := f.incOf(runnerPID(r.Runner))
		switch {
		case in == nil:
		case !in.killedAt.IsZero() && (r.Status == "running" || strings.HasPrefix(r.Error, "interrupted")):
			n++
		case in.stalled && r.Status != "ok" && r.Status != "partial":
			n++
		}
	}
	return n
}

func (f *clusterFixture) incOf(pid int) *incarnation {
	for _, in := range f.incs {
		if in.pid == pid {
			return in
		}
	}
	return nil
}

// check429s fails for every 429 a fake answered; it returns their count per fake.
func (f *clusterFixture) check429s(t *testing.T, hits []hit) map[string]int {
	t.Helper()
	limited := map[string]int{}
	for _, h := range hits {
		if h.Status != 429 {
			continue
		}
		if limited[h.Fake]++; limited[h.Fake] <= 5 {
			t.Errorf("the fake %s answered %s %s by incarnation %d (replica %d) at %s with 429; in that second it served %s",
				h.Fake, h.Method, h.Path, h.Inc, f.incs[h.Inc].slot, h.Arrived.Format(time.StampMicro), sameSecond(hits, h))
		}
	}
	for fake, n := range limited {
		t.Errorf("the fake %s answered %d requests with 429: the replicas together went past its limits", fake, n)
	}
	return limited
}

// sameSecond describes the requests to h's fake that arrived in h's wall-clock second
// (the fake Lusha's window), by path and incarnation.
func sameSecond(hits []hit, h hit) string {
	sec := h.Arrived.Truncate(time.Second)
	by := map[string]int{}
	n := 0
	for _, o := range hits {
		if o.Fake == h.Fake && o.Arrived.Truncate(time.Second).Equal(sec) {
			n++
			by[fmt.Sprintf("%s inc %d status %d", o.Path, o.Inc, o.Status)]++
		}
	}
	return fmt.Sprintf("%d requests: %v", n, by)
}

func (f *clusterFixture) runsPerSlot(runs []state.Run) string {
	per := make([]int, replicaCount)
	for _, r := range runs {
		if in := f.incOf(runnerPID(r.Runner)); in != nil {
			per[in.slot]++
		}
	}
	return fmt.Sprintf("%v per replica", per)
}

func (f *clusterFixture) requestsPerSlot(hits []hit) string {
	per := make([]int, replicaCount)
	for _, h := range hits {
		per[f.incs[h.Inc].slot]++
	}
	return fmt.Sprintf("%v per replica", per)
}

func (f *clusterFixture) statusCounts(t *testing.T, store state.Store) map[string]int {
	t.Helper()
	counts := map[string]int{}
	for _, p := range clusterPipelines {
		recs, err := store.RecordsOf(context.Background(), p.Name, p.CRM, f.idsOf(p.Name))
		if err != nil {
			t.Fatal(err)
		}
		for _, rec := range recs {
			counts[rec.Status]++
		}
	}
	return counts
}
