package salesforce_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/salesforce/salesforcetest"
)

// byID indexes records by id: Get answers in no particular order.
func byID(recs []crm.Record) map[string]crm.Record {
	out := map[string]crm.Record{}
	for _, r := range recs {
		out[r.ID] = r
	}
	return out
}

func TestGet(t *testing.T) {
	e := setup(t, salesforcetest.Options{})
	a := e.fake.AddLead(map[string]string{"Title": "CTO"})
	b := e.fake.AddLead(map[string]string{"Title": "CEO"})
	recs, err := e.client.Get(context.Background(), "Lead", []string{b, a[:15], "00Q5e0000000999EAA"}, []string{"Title"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range recs {
		got[r.ID] = r.Fields["Title"]
		if r.Deleted {
			t.Errorf("%s reported deleted", r.ID)
		}
	}
	if diff := cmp.Diff(map[string]string{a: "CTO", b: "CEO"}, got); diff != "" {
		t.Errorf("an id naming no record is left out (-want +got):\n%s", diff)
	}
	if _, err := e.client.Get(context.Background(), "Lead", []string{"x') OR ('"}, nil); crm.ClassOf(err) != crm.ClassInvalid {
		t.Errorf("bad id: %v", err)
	}
}

// TestGetReportsDeletedAndMergedRecords: queryAll returns the recycle bin's rows with
// IsDeleted = true, deleted and merged-away alike (salesforce-api.md §3.6, §7.3), and
// Get reports them Deleted, so that the retry queue drops them instead of retrying.
func TestGetReportsDeletedAndMergedRecords(t *testing.T) {
	e := setup(t, salesforcetest.Options{})
	kept := e.fake.AddLead(map[string]string{"Title": "CTO"})
	gone := e.fake.AddLead(map[string]string{"Title": "CEO"})
	loser := e.fake.AddLead(map[string]string{"Title": "VP"})
	if err := e.fake.Delete("Lead", gone); err != nil {
		t.Fatal(err)
	}
	if err := e.fake.Merge("Lead", kept, loser); err != nil {
		t.Fatal(err)
	}
	recs, err := e.client.Get(context.Background(), "Lead", []string{kept, gone, loser}, []string{"Title"})
	if err != nil {
		t.Fatal(err)
	}
	got := byID(recs)
	for id, deleted := range map[string]bool{kept: false, gone: true, loser: true} {
		if r, ok := got[id]; !ok || r.Deleted != deleted {
			t.Errorf("%s: %+v (found %v), want Deleted %v", id, r, ok, deleted)
		}
	}
	if _, ok := got[kept].Fields["IsDeleted"]; ok {
		t.Error("IsDeleted, read for Deleted, leaked into Fields")
	}
}

// TestGetLeavesOutConvertedLeads: the retry queue's read by id excludes converted
// leads in the SOQL, as the change stream does: they refuse every update.
func TestGetLeavesOutConvertedLeads(t *testing.T) {
	e := setup(t, salesforcetest.Options{})
	open := e.fake.AddLead(map[string]string{"Title": "CTO"})
	won := e.fake.AddLead(map[string]string{"Title": "CEO"})
	contact, _, err := e.fake.Convert(won)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := e.client.Get(context.Background(), "Lead", []string{open, won}, []string{"Title"})
	if err != nil {
		t.Fatal(err)
	}
	if got := byID(recs); len(got) != 1 || got[open].ID != open {
		t.Errorf("Get = %+v, want only the open lead", recs)
	}
	// Contacts have no IsConverted: their reads carry no such term.
	if recs, err := e.client.Get(context.Background(), "Contact", []string{contact}, []string{"Title"}); err != nil || len(recs) != 1 {
		t.Errorf("Get contact = %+v, %v", recs, err)
	}
}
