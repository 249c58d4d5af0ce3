package hubspot_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/hubspot"
	"github.com/leadsync/leadsync/crm/hubspot/hubspottest"
)

// A company pipeline reads changed companies with the hardened incremental read,
// on hs_lastmodifieddate (reference §3.1, §11.1: companies have no lastmodifieddate,
// so a read keyed on it would find nothing), writes them through the batch update
// and reads them back by id.
func TestCompaniesAsPipeline(t *testing.T) {
	e := setup(t, hubspottest.Options{}, hubspot.WithOverlap(0))
	f := e.fake
	var companies []string
	for _, d := range []string{"a.example", "b.example", "c.example", "d.example"} {
		companies = append(companies, f.AddCompany(map[string]string{"name": d, "domain": d}))
	}
	typed := f.AddCompany(map[string]string{"name": "Typed", "domain": "typed.example", "industry": "RETAIL"})
	e.clock.Advance(time.Second)
	req := crm.ChangesRequest{Object: "companies", PageSize: 3, Fields: []string{"domain", "industry"},
		Filter: crm.Filter{Missing: []string{"industry"}}}
	for _, object := range []string{"companies", "0-2"} {
		req.Object = object
		pages, err := readAll(t, e.client, req)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(companies, ids(pages)); diff != "" || len(pages) != 2 {
			t.Errorf("%s: %d pages, ids (-want +got):\n%s", object, len(pages), diff)
		}
		if r := pages[0].Records[0]; r.Fields["domain"] != "a.example" || r.ModifiedAt.IsZero() {
			t.Errorf("%s first record = %+v", object, r)
		}
	}
	req.Object = "companies"
	first, _ := readAll(t, e.client, req)

	res, err := e.client.Write(context.Background(), "companies", []crm.Patch{
		{RecordID: companies[0], Fields: map[string]string{"industry": "COMPUTER_SOFTWARE", "numberofemployees": "250"}},
		{RecordID: companies[1], Fields: map[string]string{"industry": "Technology"}},
	})
	if err != nil || res[0].Err != nil || res[0].ModifiedAt.IsZero() || crm.ClassOf(res[1].Err) != crm.ClassInvalid {
		t.Fatalf("write: %v %+v", err, res)
	}
	if v, _ := f.Company(companies[0]); v["industry"] != "COMPUTER_SOFTWARE" || v["numberofemployees"] != "250" {
		t.Errorf("company after write = %v", v)
	}
	// The write comes back as a change with the modification time it reported.
	e.clock.Advance(time.Second)
	req.Since, req.Filter = first[len(first)-1].Next, crm.Filter{}
	next, err := readAll(t, e.client, req)
	if err != nil {
		t.Fatal(err)
	}
	if rs := next[0].Records; len(next) != 1 || len(rs) != 1 || rs[0].ID != companies[0] || !rs[0].ModifiedAt.Equal(res[0].ModifiedAt) {
		t.Errorf("changes after the write = %+v, want %s modified %v", next, companies[0], res[0].ModifiedAt)
	}

	f.Archive("companies", companies[3])
	got, err := e.client.Get(context.Background(), "companies", []string{companies[0], companies[3], typed}, []string{"industry"})
	if err != nil {
		t.Fatal(err)
	}
	var gotIDs []string
	for _, r := range got {
		gotIDs = append(gotIDs, r.ID)
	}
	if slices.Sort(gotIDs); !slices.Equal(gotIDs, []string{companies[0], typed}) || got[0].ModifiedAt.IsZero() {
		t.Errorf("Get = %+v", got)
	}
}
