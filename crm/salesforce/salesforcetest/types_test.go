package salesforcetest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/leadsync/leadsync/crm/salesforce/salesforcetest"
)

// TestTypeErrorsFailTheWholeRequest: a value the REST deserializer cannot read into
// the field's type fails the whole sObject Collections request with HTTP 400 and the
// error array of reference §6.1 carrying JSON_PARSER_ERROR (§4.6 item 3, §6.3; issue
// 13's audit of the official documentation), not one record: nothing of the request
// is saved, the good records included. Numeric strings are coerced (§4.6 item 3, the
// documented sample "numberOfEmployees": "100"). The message text is inferred.
func TestTypeErrorsFailTheWholeRequest(t *testing.T) {
	o := newOrg(t, salesforcetest.Options{})
	o.fake.DefineField("Lead", salesforcetest.Field{Name: "Verified__c", Type: "boolean"})
	o.fake.DefineField("Lead", salesforcetest.Field{Name: "Founded__c", Type: "date"})
	o.fake.DefineField("Lead", salesforcetest.Field{Name: "Seen__c", Type: "datetime"})
	good := o.fake.AddLead(map[string]string{"LastName": "Good"})
	bad := o.fake.AddLead(map[string]string{"LastName": "Bad"})
	rec := func(id, fields string) string {
		return `{"attributes":{"type":"Lead"},"id":"` + id + `"` + fields + `}`
	}
	tests := []struct {
		name, value string
		field       string
	}{
		{"bad boolean", `"yes"`, "Verified__c"},
		{"number for a boolean", `1`, "Verified__c"},
		{"bad date", `"2026-02-30"`, "Founded__c"},
		{"datetime for a date", `"2026-03-01T12:00:00Z"`, "Founded__c"},
		{"bad datetime", `"yesterday"`, "Seen__c"},
		{"decimal into an int", `12.5`, "NumberOfEmployees"},
		{"decimal string into an int", `"12.5"`, "NumberOfEmployees"},
		{"int out of range", `3000000000`, "NumberOfEmployees"},
		{"text into a currency", `"lots"`, "AnnualRevenue"},
		{"object into a string", `{"a":1}`, "Title"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := fmt.Sprintf(`{"allOrNone":false,"records":[%s,%s]}`,
				rec(good, `,"Title":"CEO"`), rec(bad, `,"Title":"CTO","`+tt.field+`":`+tt.value))
			resp, raw := o.do(t, http.MethodPatch, "/services/data/v62.0/composite/sobjects", body, "Sforce-Auto-Assign", "FALSE")
			errs := decodeErrors(t, raw)
			if resp.StatusCode != 400 || len(errs) != 1 || errs[0].ErrorCode != "JSON_PARSER_ERROR" ||
				!strings.HasPrefix(errs[0].Message, "Cannot deserialize instance of ") {
				t.Fatalf("%d %s, want 400 JSON_PARSER_ERROR", resp.StatusCode, raw)
			}
			if o.fake.Lead(good)["Title"] != "" || o.fake.Lead(bad)["Title"] != "" {
				t.Errorf("a refused request saved records: %v %v", o.fake.Lead(good), o.fake.Lead(bad))
			}
			single := `{"` + tt.field + `":` + tt.value + `}`
			if resp, raw := o.do(t, http.MethodPatch, "/services/data/v62.0/sobjects/Lead/"+bad, single); resp.StatusCode != 400 ||
				decodeErrors(t, raw)[0].ErrorCode != "JSON_PARSER_ERROR" {
				t.Errorf("single-record PATCH: %d %s", resp.StatusCode, raw)
			}
		})
	}

	// What the deserializer can read is saved.
	body := `{"records":[` + rec(good, `,"Verified__c":"true","Founded__c":"2026-02-28","Seen__c":"2026-03-01T12:00:00.000+01:00",`+
		`"NumberOfEmployees":"250","AnnualRevenue":1.5e2`) + `]}`
	resp, raw := o.do(t, http.MethodPatch, "/services/data/v62.0/composite/sobjects", body, "Sforce-Auto-Assign", "FALSE")
	var out []map[string]any
	if resp.StatusCode != 200 || json.Unmarshal(raw, &out) != nil || out[0]["success"] != true {
		t.Fatalf("%d %s", resp.StatusCode, raw)
	}
	got := o.fake.Lead(good)
	if got["Verified__c"] != "true" || got["Founded__c"] != "2026-02-28" || got["Seen__c"] != "2026-03-01T11:00:00.000+0000" ||
		got["NumberOfEmployees"] != "250" || got["AnnualRevenue"] != "150" {
		t.Errorf("stored %v", got)
	}
}

// TestMultiPicklist: a multipicklist takes its values joined by ";" (reference §3.4)
// and a restricted one checks each part, refusing a bad part per record with
// INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST naming that part (§4.6 item 6, §5.6
// "multipicklist: ;-joined, each part validated as above").
func TestMultiPicklist(t *testing.T) {
	o := newOrg(t, salesforcetest.Options{})
	o.fake.DefineField("Lead", salesforcetest.Field{Name: "Departments__c", Type: "multipicklist", Restricted: true,
		Picklist: []string{"Sales", "Finance", "Engineering & Technical"}})
	a := o.fake.AddLead(map[string]string{"LastName": "A"})
	b := o.fake.AddLead(map[string]string{"LastName": "B"})
	rec := func(id, v string) string {
		return `{"attributes":{"type":"Lead"},"id":"` + id + `","Departments__c":"` + v + `"}`
	}
	resp, raw := o.do(t, http.MethodPatch, "/services/data/v62.0/composite/sobjects",
		`{"records":[`+rec(a, "Sales;Engineering & Technical")+","+rec(b, "Sales;Marketing")+`]}`, "Sforce-Auto-Assign", "FALSE")
	var out []map[string]any
	if resp.StatusCode != 200 || json.Unmarshal(raw, &out) != nil {
		t.Fatalf("%d %s", resp.StatusCode, raw)
	}
	if out[0]["success"] != true || o.fake.Lead(a)["Departments__c"] != "Sales;Engineering & Technical" {
		t.Errorf("valid parts: %v, stored %q", out[0], o.fake.Lead(a)["Departments__c"])
	}
	if errs := fmt.Sprint(out[1]["errors"]); out[1]["success"] != false ||
		!strings.Contains(errs, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST") || !strings.Contains(errs, "bad value for restricted picklist field: Marketing") {
		t.Errorf("bad part: %v", out[1])
	}
	if d := describeField(t, o, "Lead", "Departments__c"); d["type"] != "multipicklist" || d["restrictedPicklist"] != true {
		t.Errorf("describe: %v", d)
	}
}

func describeField(t *testing.T, o *org, object, name string) map[string]any {
	t.Helper()
	_, raw := o.do(t, http.MethodGet, "/services/data/v62.0/sobjects/"+object+"/describe", "")
	var d struct {
		Fields []map[string]any `json:"fields"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	for _, f := range d.Fields {
		if f["name"] == name {
			return f
		}
	}
	t.Fatalf("describe of %s has no %s", object, name)
	return nil
}
