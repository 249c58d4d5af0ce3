package salesforce_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/salesforce"
	"github.com/leadsync/leadsync/crm/salesforce/salesforcetest"
)

// lastCursor drains a read from since and returns its ids and final cursor.
func lastCursor(t *testing.T, e *env, since crm.Cursor) ([]string, crm.Cursor) {
	t.Helper()
	pages, err := readAll(t, e.client, crm.ChangesRequest{Object: "Lead", Since: since, PageSize: 200})
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) == 0 {
		t.Fatal("a read yielded no page")
	}
	return ids(pages), pages[len(pages)-1].Next
}

// TestChangesLookbackReadsLateCommits: a long transaction's rows carry the stamp of
// its start and appear at its commit, behind a cursor that went past that stamp
// meanwhile (salesforce-api.md §7.2 "Late commits", §7.5). The read looks back and
// hands them out, a new lead and a late update alike, each once.
func TestChangesLookbackReadsLateCommits(t *testing.T) {
	e := setup(t, salesforcetest.Options{})
	old := e.fake.AddLead(map[string]string{"LastName": "Old"})
	e.clock.Advance(time.Second)
	tx := e.fake.Begin() // a bulk import starts at 12:00:01
	late := tx.Add("Lead", map[string]string{"LastName": "Imported"})
	tx.Update("Lead", old, map[string]string{"Title": "Set by a trigger"})
	e.clock.Advance(90 * time.Second)
	quick := e.fake.AddLead(map[string]string{"LastName": "Quick"}) // 12:01:31, visible at once
	e.clock.Advance(time.Second)

	got, cur := lastCursor(t, e, "")
	if !cmp.Equal(got, []string{old, quick}) {
		t.Fatalf("first read %v, want [old quick]", got)
	}
	if err := tx.Commit(); err != nil { // 12:01:32: rows stamped 12:00:01 appear
		t.Fatal(err)
	}
	e.clock.Advance(time.Second)
	got, cur = lastCursor(t, e, cur)
	if !cmp.Equal(got, []string{old, late}) {
		t.Errorf("after the commit %v, want the late update of %s and the late lead %s", got, old, late)
	}
	e.clock.Advance(time.Second)
	if got, _ = lastCursor(t, e, cur); len(got) != 0 {
		t.Errorf("a read with nothing new handed out %v again", got)
	}
}

// TestChangesWithoutLookbackMissLateCommits shows what the look-back is for: with it
// off, a row committed behind the cursor is never read.
func TestChangesWithoutLookbackMissLateCommits(t *testing.T) {
	e := setup(t, salesforcetest.Options{}, salesforce.WithLookback(0))
	tx := e.fake.Begin()
	tx.Add("Lead", map[string]string{"LastName": "Imported"})
	e.clock.Advance(time.Minute)
	e.fake.AddLead(map[string]string{"LastName": "Quick"})
	e.clock.Advance(time.Second)
	_, cur := lastCursor(t, e, "")
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Second)
	if got, _ := lastCursor(t, e, cur); len(got) != 0 {
		t.Errorf("without a look-back the read found %v behind its cursor", got)
	}
}

// TestChangesLookbackHandsOutEachVersionOnce: the window a read looks back over holds
// records it already handed out; the cursor remembers them by (Id, SystemModstamp), so
// only a new version goes out again, and every page's cursor still resumes exactly
// after it.
func TestChangesLookbackHandsOutEachVersionOnce(t *testing.T) {
	e := setup(t, salesforcetest.Options{})
	want := seedSameSecond(e, 700)
	pages, err := readAll(t, e.client, crm.ChangesRequest{Object: "Lead", PageSize: 200})
	if err != nil {
		t.Fatal(err)
	}
	for i := range pages {
		rest, err := readAll(t, e.client, crm.ChangesRequest{Object: "Lead", Since: pages[i].Next, PageSize: 200})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(ids(pages[i+1:]), ids(rest)); diff != "" {
			t.Fatalf("resume after page %d (-want +got):\n%s", i, diff)
		}
	}
	cur := pages[len(pages)-1].Next
	if err := e.fake.Update("Lead", want[3], map[string]string{"Title": "CTO"}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Second)
	got, cur := lastCursor(t, e, cur)
	if !cmp.Equal(got, []string{want[3]}) {
		t.Errorf("after one update the read handed out %d records, want only %s", len(got), want[3])
	}
	// Past the window, the cursor forgets what it handed out and stays small.
	e.clock.Advance(salesforce.DefaultLookback + time.Minute)
	got, cur = lastCursor(t, e, cur)
	if len(got) != 0 || len(cur) > 200 {
		t.Errorf("after the window: read %d, cursor of %d bytes", len(got), len(cur))
	}
}

// TestChangesLookbackForgetsBeyondItsBound: a window holding more records than the
// cursor remembers (a bulk import) forgets its oldest versions, which go out once
// more; the connector recognises them by their stored stamp and digest.
func TestChangesLookbackForgetsBeyondItsBound(t *testing.T) {
	e := setup(t, salesforcetest.Options{})
	want := seedSameSecond(e, 2300)
	got, cur := lastCursor(t, e, "")
	if len(got) != len(want) {
		t.Fatalf("first read: %d records", len(got))
	}
	got, _ = lastCursor(t, e, cur)
	if diff := cmp.Diff(want[:300], got); diff != "" {
		t.Errorf("second read hands out the 300 forgotten, oldest first (-want +got):\n%s", diff)
	}
	if n := len(cur); n > 60_000 {
		t.Errorf("a cursor of %d bytes", n)
	}
}
