package salesforcetest_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/leadsync/leadsync/crm/salesforce/salesforcetest"
)

// A converted lead refuses every update (refuseUpdate, reference §7.3; help KB
// 000384333): an sObject Collections update fails it per record with
// CANNOT_UPDATE_CONVERTED_LEAD and saves the others, a single-record PATCH answers a
// 400 error array.
func TestConvertedLeadRefusesUpdates(t *testing.T) {
	o := newOrg(t, salesforcetest.Options{})
	open := o.fake.AddLead(map[string]string{"LastName": "Open"})
	converted := o.fake.AddLead(map[string]string{"LastName": "Won"})
	if _, _, err := o.fake.Convert(converted); err != nil {
		t.Fatal(err)
	}
	rec := func(id string) string { return `{"attributes":{"type":"Lead"},"id":"` + id + `","Title":"CTO"}` }
	resp, raw := o.do(t, http.MethodPatch, "/services/data/v62.0/composite/sobjects",
		`{"records":[`+rec(open)+","+rec(converted)+`]}`, "Sforce-Auto-Assign", "FALSE")
	var out []struct {
		Success bool `json:"success"`
		Errors  []struct {
			StatusCode string `json:"statusCode"`
		} `json:"errors"`
	}
	if resp.StatusCode != 200 || json.Unmarshal(raw, &out) != nil || len(out) != 2 {
		t.Fatalf("%d %s", resp.StatusCode, raw)
	}
	if !out[0].Success || out[1].Success || out[1].Errors[0].StatusCode != "CANNOT_UPDATE_CONVERTED_LEAD" {
		t.Errorf("results %+v", out)
	}
	if o.fake.Lead(open)["Title"] != "CTO" || o.fake.Lead(converted)["Title"] != "" {
		t.Errorf("stored: open %v, converted %v", o.fake.Lead(open), o.fake.Lead(converted))
	}
	resp, raw = o.do(t, http.MethodPatch, "/services/data/v62.0/sobjects/Lead/"+converted, `{"Title":"CTO"}`)
	if resp.StatusCode != 400 || decodeErrors(t, raw)[0].ErrorCode != "CANNOT_UPDATE_CONVERTED_LEAD" {
		t.Errorf("single PATCH: %d %s", resp.StatusCode, raw)
	}
}
