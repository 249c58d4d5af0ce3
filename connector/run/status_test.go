package run

import (
	"testing"

	"github.com/leadsync/leadsync/crm"
)

// The machine of DESIGN §9b, edge by edge: every pair of statuses is tried, and only
// the listed edges are allowed.
func TestRecordTransitions(t *testing.T) {
	want := map[Status][]Status{
		Read:     {Planned, Skipped, Kept, Deferred},
		Planned:  {Enriched, Skipped, Kept, Parked, Deferred},
		Enriched: {Staged, Kept, Parked, Deferred, Skipped},
		Staged:   {Written, Parked, Unknown, Deferred, Enriched},
		Unknown:  {Written, Parked},
		Written:  {Settled},
		Kept:     {Settled},
		Skipped:  {Settled},
		Parked:   {Settled},
	}
	for from := Read; from <= Settled; from++ {
		for to := Read; to <= Settled; to++ {
			ok := false
			for _, s := range want[from] {
				ok = ok || s == to
			}
			r := &Record{rec: crm.Record{ID: "1"}, status: from}
			err := r.to(to, crm.ClassNone, "")
			if ok != (err == nil) {
				t.Errorf("%s → %s: err %v, allowed %v", from, to, err, ok)
			}
			if err != nil && r.status != from {
				t.Errorf("%s → %s refused but the status changed to %s", from, to, r.status)
			}
		}
	}
}

// Only done, skipped and parked records let the cursor pass (I1).
func TestWhatHoldsTheCursor(t *testing.T) {
	for s := Read; s <= Settled; s++ {
		passes := s == Written || s == Kept || s == Skipped || s == Parked || s == Settled
		if s.holdsCursor() == passes {
			t.Errorf("%s: holdsCursor %v", s, s.holdsCursor())
		}
	}
}

// An illegal edge is an engine bug: it is kept on the record, which then holds the
// cursor, instead of crashing the daemon.
func TestIllegalTransitionIsKeptAsABug(t *testing.T) {
	r := &Record{rec: crm.Record{ID: "7"}, status: Written}
	r.set(Planned, crm.ClassNone, "")
	if r.bug == nil || r.status != Written {
		t.Fatalf("bug %v, status %s", r.bug, r.status)
	}
}
