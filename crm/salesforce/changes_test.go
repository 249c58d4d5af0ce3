package salesforce_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/salesforce"
	"github.com/leadsync/leadsync/crm/salesforce/salesforcetest"
)

// seedSameSecond adds n leads that share one SystemModstamp, as a bulk import makes
// them, then lets that second pass.
func seedSameSecond(e *env, n int) []string {
	out := make([]string, n)
	for i := range n {
		out[i] = e.fake.AddLead(map[string]string{"Email": "p" + strconv.Itoa(i) + "@example.com", "LastName": "P" + strconv.Itoa(i)})
	}
	e.clock.Advance(time.Second)
	return out
}

// TestChangesTiesAcrossPagesAndResumes is the keyset alone: 5,000 records of one
// second are more than a cursor remembers from its look-back window (lookback_test.go).
func TestChangesTiesAcrossPagesAndResumes(t *testing.T) {
	e := setup(t, salesforcetest.Options{}, salesforce.WithLookback(0))
	want := seedSameSecond(e, 5000)
	req := crm.ChangesRequest{Object: "Lead", Fields: []string{"Email", "Title"}, PageSize: 700}

	pages, err := readAll(t, e.client, req)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, ids(pages)); diff != "" {
		t.Fatalf("ids (-want +got):\n%s", diff)
	}
	if len(pages) != 8 || len(pages[0].Records) != 700 || len(pages[7].Records) != 100 {
		t.Errorf("got %d pages, first %d records", len(pages), len(pages[0].Records))
	}
	r := pages[0].Records[0]
	if r.Fields["Email"] != "p0@example.com" || r.Fields["Title"] != "" || !r.ModifiedAt.Equal(newClock().Now()) || pages[0].Total != 5000 {
		t.Errorf("first record = %+v, total %d", r, pages[0].Total)
	}
	// Every page's cursor resumes exactly after it, though all share one second.
	for i := range pages {
		rest, err := readAll(t, e.client, crm.ChangesRequest{Object: "Lead", Since: pages[i].Next, PageSize: 700})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(ids(pages[i+1:]), ids(rest)); diff != "" {
			t.Fatalf("resume after page %d (-want +got):\n%s", i, diff)
		}
	}

	// A later run from the last cursor sees only what changed since.
	if err := e.fake.Update("Lead", want[17], map[string]string{"Title": "CTO"}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Second)
	next, err := readAll(t, e.client, crm.ChangesRequest{Object: "Lead", Since: pages[len(pages)-1].Next, Fields: []string{"title"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(next); !cmp.Equal(got, []string{want[17]}) || next[0].Records[0].Fields["title"] != "CTO" {
		t.Errorf("next run = %v %+v", got, next)
	}
}

func TestChangesLeavesOutTheCurrentSecond(t *testing.T) {
	e := setup(t, salesforcetest.Options{})
	old := seedSameSecond(e, 2)
	e.fake.AddLead(map[string]string{"LastName": "Fresh"}) // stamped in the current second
	pages, err := readAll(t, e.client, crm.ChangesRequest{Object: "Lead"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(old, ids(pages)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestChangesEmptyReadKeepsCursor(t *testing.T) {
	e := setup(t, salesforcetest.Options{})
	seedSameSecond(e, 3)
	pages, err := readAll(t, e.client, crm.ChangesRequest{Object: "Lead"})
	if err != nil {
		t.Fatal(err)
	}
	last := pages[len(pages)-1].Next
	again, err := readAll(t, e.client, crm.ChangesRequest{Object: "Lead", Since: last})
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != 1 || len(again[0].Records) != 0 || again[0].Next != last {
		t.Errorf("empty read = %+v, want one empty page carrying the cursor", again)
	}
}

func TestChangesFilterPushDown(t *testing.T) {
	e := setup(t, salesforcetest.Options{})
	e.fake.DefineField("Lead", salesforcetest.Field{Name: "Lusha_Enriched_At__c", Type: "datetime"})
	a := e.fake.AddLead(map[string]string{"Company": "O'Brien \\ Sons", "Title": ""})
	e.fake.AddLead(map[string]string{"Company": "O'Brien \\ Sons", "Title": "CEO"})
	e.fake.AddLead(map[string]string{"Company": "Other"})
	e.fake.AddLead(map[string]string{"Company": "O'Brien \\ Sons", "Lusha_Enriched_At__c": "2026-01-01T00:00:00Z"})
	e.clock.Advance(time.Second)

	req := crm.ChangesRequest{Object: "Lead", Fields: []string{"Company"}, Filter: crm.Filter{
		Missing: []string{"Title", "Lusha_Enriched_At__c"}, Equals: map[string]string{"Company": "o'brien \\ sons"}}}
	pages, err := readAll(t, e.client, req)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(pages); !cmp.Equal(got, []string{a}) {
		t.Errorf("filtered ids = %v, want [%s]", got, a)
	}
}

func TestChangesRefusesBadInput(t *testing.T) {
	e := setup(t, salesforcetest.Options{})
	for name, req := range map[string]crm.ChangesRequest{
		"bad cursor":      {Object: "Lead", Since: "nope"},
		"cursor with sql": {Object: "Lead", Since: `{"v":1,"t":"2026-03-01T12:00:00Z","id":"x' OR Id != '"}`},
		"bad object":      {Object: "Lead WHERE"},
		"bad field":       {Object: "Lead", Fields: []string{"Email, Name"}},
		"bad filter":      {Object: "Lead", Filter: crm.Filter{Missing: []string{"Title = null OR Id"}}},
		"unknown field":   {Object: "Lead", Fields: []string{"Nope__c"}},
		"unknown object":  {Object: "Leed"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := readAll(t, e.client, req)
			if got := crm.ClassOf(err); got != crm.ClassInvalid {
				t.Errorf("class = %q (%v), want invalid", got, err)
			}
		})
	}
}

func TestChangesRenewsExpiredSessionOnce(t *testing.T) {
	e := setup(t, salesforcetest.Options{})
	want := seedSameSecond(e, 700)
	var got []string
	for p, err := range e.client.Changes(context.Background(), crm.ChangesRequest{Object: "Lead", PageSize: 200}) {
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 {
			e.fake.ExpireSessions() // the session times out between two batches
		}
		for _, r := range p.Records {
			got = append(got, r.ID)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if n := e.fake.TokenRequests(); n != 2 {
		t.Errorf("token requests = %d, want 2 (login, one renewal)", n)
	}
}

func TestChangesDailyLimitThenResume(t *testing.T) {
	e := setup(t, salesforcetest.Options{})
	want := seedSameSecond(e, 1000)
	var got []string
	var last crm.Cursor
	var err error
	for p, perr := range e.client.Changes(context.Background(), crm.ChangesRequest{Object: "Lead", PageSize: 200}) {
		if perr != nil {
			err = perr
			break
		}
		got = append(got, ids([]crm.Page{p})...)
		last = p.Next
		used, _ := e.fake.APIUsage()
		e.fake.SetDailyLimit(used) // the allocation runs out after this batch
	}
	if crm.ClassOf(err) != crm.ClassQuotaExhausted || len(got) != 200 {
		t.Fatalf("read %d then %v (class %q), want 200 then quota_exhausted", len(got), err, crm.ClassOf(err))
	}
	if u, ok := e.client.APIUsage(); !ok || u.Used != u.Limit {
		t.Errorf("tracked usage = %+v %v", u, ok)
	}

	e.fake.SetDailyLimit(-1) // a new day
	rest, err := readAll(t, e.client, crm.ChangesRequest{Object: "Lead", Since: last, PageSize: 200})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, append(got, ids(rest)...)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
