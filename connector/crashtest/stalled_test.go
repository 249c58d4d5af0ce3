package crashtest

import (
	"database/sql"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/leadsync/leadsync/connector"
)

// typedDuringStall is what a salesperson types into contacts while the holder stalls.
const typedDuringStall = "Account Executive (typed while leadsync stalled)"

// typeWhileStalled types a job title, by hand, into every other contact that has
// neither a job title nor leadsync's marker yet (except skip): contacts a stalled
// holder read as empty and may still hold a patch for. The fixture then knows the
// values as hand-typed (I3) and as the contacts' starting point (I6).
func (f *fixture) typeWhileStalled(skip []string) int {
	contacts := f.hub.Contacts()
	typed, seen := 0, 0
	for _, id := range f.contactIDs() {
		c := contacts[id]
		if slices.Contains(skip, id) || f.hand[id] != nil || c["jobtitle"] != "" || c["lusha_enriched_at"] != "" {
			continue
		}
		if seen++; seen%2 == 0 {
			continue
		}
		f.hub.UpdateContact(id, map[string]string{"jobtitle": typedDuringStall})
		f.hand[id] = map[string]string{"jobtitle": typedDuringStall}
		f.seeded[id]["jobtitle"] = typedDuringStall
		typed++
	}
	return typed
}

// cursorStored reports whether the pipeline has a stored cursor; it may run outside
// the test's goroutine.
func (f *fixture) cursorStored() bool {
	db, err := sql.Open("sqlite3", "file:"+f.dbPath+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		return false
	}
	defer db.Close()
	var c string
	return db.QueryRow(`SELECT cursor FROM cursors WHERE pipeline = ?`, pipelineName).Scan(&c) == nil && c != ""
}

// pendingIn lists the CRM ids that have pending ledger rows in a snapshot.
func pendingIn(s storeSnapshot) map[string]bool {
	out := map[string]bool{}
	for _, row := range s.Ledger {
		if !strings.Contains(row, " pending=1") {
			continue
		}
		for f := range strings.FieldsSeq(row) {
			if id, ok := strings.CutPrefix(f, "crm_id="); ok {
				out[id] = true
			}
		}
	}
	return out
}

// TestStalledHolderStopsWithoutWriting stalls a sync (SIGSTOP) past lease_ttl while
// its first batch update waits for its answer (the fake applied it), with pages it
// read, bought and mapped still in hand. Meanwhile a salesperson types job titles
// into contacts it read as empty, and a second sync takes the lease over (generation
// + 1), settles the stalled write by reading it back, writes, moves the cursor, and
// has its own next write in flight. Then the first sync is continued (SIGCONT), its
// answer arriving at once.
//
// Proves fencing: the stale holder sends no CRM write after it wakes (counted at its
// own proxy), changes no record state, ledger row (the new holder's pending rows
// included), cursor or lease in the store, and ends saying it lost the lease; no
// hand-typed value is overwritten (I3). The second sync then runs to its end and later
// syncs settle everything: I1, I2 (no purchase twice), I3 and I6 from the fakes' side.
func TestStalledHolderStopsWithoutWriting(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads process states from /proc")
	}
	const ttl = 6 * time.Second
	f := newFixture(t, fixtureOptions{Seed: 71, Leads: 1000})
	hubURL := f.hubBaseURL(t)
	proxyA, proxyB := newHubProxy(t, hubURL), newHubProxy(t, hubURL)
	// Long CRM timeouts: a held answer stays held until the test lets it go.
	top := map[string]any{"lease_ttl": ttl.String()}
	cfgA := f.configVariant(t, "holder-a.yaml", proxyA.URL(), 10*time.Minute, top)
	cfgB := f.configVariant(t, "holder-b.yaml", proxyB.URL(), 10*time.Minute, top)

	// A's first batch update is applied; its answer waits.
	proxyA.setDecide(func(n int) writeAction {
		if n == 1 {
			return holdAnswer
		}
		return answerWrite
	})
	a := f.startWatched(t, "sync", "-c", cfgA, "--json")
	heldA := proxyA.waitHeld(t, a, 2*time.Minute)
	f.stopQuiet(t, a)
	stale := f.lease(t)
	// Past lease_ttl: the stopped holder cannot renew, so its lease's own expiry passes.
	time.Sleep(time.Until(stale.ExpiresAt) + 250*time.Millisecond)
	if now := f.lease(t); now != stale {
		t.Fatalf("the lease of the stopped holder changed: %+v, then %+v", stale, now)
	}
	typed := f.typeWhileStalled(heldA.IDs)

	// B takes over. The first batch update it sends after its first cursor commit is
	// held: when A wakes, B has moved the cursor and has pending rows of its own.
	heldOnce := false
	proxyB.setDecide(func(int) writeAction {
		if !heldOnce && f.cursorStored() {
			heldOnce = true
			return holdAnswer
		}
		return answerWrite
	})
	b := f.startWatched(t, "sync", "-c", cfgB, "--json")
	heldB := proxyB.waitHeld(t, b, 3*time.Minute)
	took := f.lease(t)
	if took.Owner == stale.Owner || took.Generation != stale.Generation+1 {
		t.Errorf("the second sync holds the lease as %s generation %d; the stalled one held it as %s generation %d",
			took.Owner, took.Generation, stale.Owner, stale.Generation)
	}
	before := f.snapshot(t)
	pendingB := pendingIn(before)
	for _, id := range heldB.IDs {
		if !pendingB[id] {
			t.Fatalf("the new holder's write in flight has no pending ledger row for contact %s", id)
		}
	}
	if before.Cursor == "" {
		t.Fatal("the new holder stored no cursor before its held write")
	}
	for _, id := range heldA.IDs {
		if pendingB[id] {
			t.Errorf("contact %s, of the stalled holder's applied write, is still pending after the new holder's read-back", id)
			break
		}
	}

	// A wakes up; the answer to its write is there at once.
	writesA := len(proxyA.Writes())
	proxyA.releaseHeld()
	a.sigCont(t)
	outA, ended := a.waitAtMost(t, 3*time.Minute)
	if !ended {
		t.Errorf("the stale holder was still running 3 minutes after SIGCONT; stderr:\n%s", tail(outA.Stderr))
	}
	after := f.snapshot(t)
	if late := proxyA.Writes()[writesA:]; len(late) > 0 {
		t.Errorf("the stale holder sent %d batch updates after the new holder took over (first: %d contacts, e.g. %s)",
			len(late), len(late[0].IDs), late[0].IDs[0])
	}
	if n, eg := diffLines(before.Records, after.Records); n > 0 {
		t.Errorf("the stale holder changed %d record states, e.g. was %q", n, eg)
	}
	if n, eg := diffLines(after.Records, before.Records); n > 0 {
		t.Errorf("the stale holder wrote %d record states, e.g. %q", n, eg)
	}
	if n, eg := diffLines(before.Ledger, after.Ledger); n > 0 {
		t.Errorf("the stale holder deleted or changed %d ledger rows (%d of the new holder's contacts had pending rows), e.g. %q",
			n, len(pendingB), eg)
	}
	if n, eg := diffLines(after.Ledger, before.Ledger); n > 0 {
		t.Errorf("the stale holder added %d ledger rows, e.g. %q", n, eg)
	}
	if after.Cursor != before.Cursor {
		t.Errorf("the stale holder moved the new holder's cursor from %q to %q", before.Cursor, after.Cursor)
	}
	if after.LeaseOwner != before.LeaseOwner || after.LeaseGeneration != before.LeaseGeneration {
		t.Errorf("the stale holder changed the lease from %s/%d to %s/%d",
			before.LeaseOwner, before.LeaseGeneration, after.LeaseOwner, after.LeaseGeneration)
	}
	said := outA.Stderr
	for _, s := range outA.Summaries {
		said += "\n" + s.Error
	}
	okSummary := len(outA.Summaries) == 1 && outA.Summaries[0].Status == "ok"
	if outA.Code == 0 && (len(outA.Summaries) == 0 || okSummary) {
		t.Errorf("the stale holder ended as if nothing happened: exit %d, %s", outA.Code, sumLine(outA.Summaries))
	}
	if !strings.Contains(strings.ToLower(said), "lease") {
		t.Errorf("the stale holder did not say it lost the lease: exit %d, %s; stderr:\n%s",
			outA.Code, sumLine(outA.Summaries), tail(outA.Stderr))
	}

	// B goes on to its end.
	proxyB.releaseHeld()
	outB, ended := b.waitAtMost(t, 5*time.Minute)
	if !ended {
		t.Fatalf("the new holder was still running 5 minutes after its write was answered; stderr:\n%s", tail(outB.Stderr))
	}
	sumB := outB.summary(t)

	sums := f.syncUntilSettled(t, cfgB, 10)
	f.checkNoOpenWrites(t)
	settled := f.checkSettled(t)
	spent := f.checkSpend(t, 0)
	written := f.checkWrites(t)
	t.Logf("stale holder (lease gen %d) stopped mid-write; new holder gen %d; %d job titles typed meanwhile; "+
		"stale holder then: exit %d, %s; new holder: %s, with %d contacts pending when the stale one woke; "+
		"then %d syncs: %s; states %v; %d paid calls, none repeated; %d written values with ledger rows",
		stale.Generation, took.Generation, typed, outA.Code, sumLine(outA.Summaries), sumLine([]connector.Summary{sumB}),
		len(pendingB), len(sums), sumLine(sums), settled, spent.PaidCalls, written)
}
