package salesforcetest_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/leadsync/leadsync/crm/salesforce/salesforcetest"
)

type deletedAnswer struct {
	DeletedRecords []struct {
		ID          string `json:"id"`
		DeletedDate string `json:"deletedDate"`
	} `json:"deletedRecords"`
	EarliestDateAvailable string `json:"earliestDateAvailable"`
	LatestDateCovered     string `json:"latestDateCovered"`
}

// TestGetDeleted follows reference §3.9: deleted and merged-away records between start
// and end (seconds ignored), in the shape of the reference's example, for 15 days or
// until the recycle bin is purged; bad dates are refused.
func TestGetDeleted(t *testing.T) {
	o := newOrg(t, salesforcetest.Options{})
	t0 := o.clock.Now()
	a, b, c, d := o.fake.AddLead(nil), o.fake.AddLead(nil), o.fake.AddLead(nil), o.fake.AddLead(nil)
	o.clock.Advance(2 * time.Minute)
	if err := o.fake.Delete("Lead", b); err != nil {
		t.Fatal(err)
	}
	o.clock.Advance(time.Minute)
	if err := o.fake.Merge("Lead", a, c); err != nil {
		t.Fatal(err)
	}
	o.clock.Advance(time.Minute)
	get := func(object string, start, end time.Time) (int, deletedAnswer) {
		t.Helper()
		q := url.Values{"start": {start.Format(time.RFC3339)}, "end": {end.Format(time.RFC3339)}}
		resp, body := o.do(t, http.MethodGet, "/services/data/v62.0/sobjects/"+object+"/deleted/?"+q.Encode(), "")
		var out deletedAnswer
		if resp.StatusCode == 200 {
			if err := json.Unmarshal(body, &out); err != nil {
				t.Fatalf("%s: %v", body, err)
			}
		}
		return resp.StatusCode, out
	}
	ids := func(a deletedAnswer) []string {
		var out []string
		for _, r := range a.DeletedRecords {
			out = append(out, r.ID)
		}
		return out
	}
	now := o.clock.Now()
	status, out := get("Lead", t0, now)
	if status != 200 || !slices.Equal(ids(out), []string{b, c}) {
		t.Fatalf("deleted = %d %+v, want %s then %s", status, out, b, c)
	}
	if out.DeletedRecords[0].DeletedDate != t0.Add(2*time.Minute).Format("2006-01-02T15:04:05.000-0700") ||
		out.LatestDateCovered != now.Format("2006-01-02T15:04:05.000-0700") ||
		out.EarliestDateAvailable != now.Add(-15*24*time.Hour).Format("2006-01-02T15:04:05.000-0700") {
		t.Errorf("dates of %+v", out)
	}
	// Seconds are ignored: a start 30 s after b's deletion still includes it.
	if _, out := get("Lead", t0.Add(2*time.Minute+30*time.Second), now); !slices.Equal(ids(out), []string{b, c}) {
		t.Errorf("start with seconds: %v", ids(out))
	}
	if _, out := get("Lead", t0.Add(3*time.Minute), now); !slices.Equal(ids(out), []string{c}) {
		t.Errorf("from c's minute: %v", ids(out))
	}
	if _, out := get("Contact", t0, now); len(out.DeletedRecords) != 0 || out.DeletedRecords == nil {
		t.Errorf("contacts: %+v, want an empty list", out)
	}
	if status, _ := get("Leed", t0, now); status != 404 {
		t.Errorf("unknown object: %d", status)
	}
	if status, _ := get("Lead", now, t0); status != 400 {
		t.Errorf("start after end: %d", status)
	}
	if resp, _ := o.do(t, http.MethodGet, "/services/data/v62.0/sobjects/Lead/deleted/?start=yesterday&end=x", ""); resp.StatusCode != 400 {
		t.Errorf("bad dates: %d", resp.StatusCode)
	}

	// 15 days after its deletion a record leaves the bin.
	o.clock.Advance(15*24*time.Hour - 2*time.Minute)
	o.login(t) // the token expired meanwhile
	if _, out := get("Lead", t0, o.clock.Now()); !slices.Equal(ids(out), []string{c}) {
		t.Errorf("15 days after b's deletion: %v, want only %s", ids(out), c)
	}
	if err := o.fake.Delete("Lead", d); err != nil {
		t.Fatal(err)
	}
	o.clock.Advance(time.Minute)
	o.fake.PurgeRecycleBin()
	status, out = get("Lead", t0, o.clock.Now())
	if status != 200 || len(out.DeletedRecords) != 0 || out.EarliestDateAvailable != o.clock.Now().Format("2006-01-02T15:04:05.000-0700") {
		t.Errorf("after a purge: %d %+v", status, out)
	}
}
