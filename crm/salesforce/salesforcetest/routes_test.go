package salesforcetest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/leadsync/leadsync/crm/salesforce/salesforcetest"
)

func TestQueryLocatorsEchoVersionAndSnapshot(t *testing.T) {
	o := newOrg(t, salesforcetest.Options{})
	for range 450 {
		o.fake.AddLead(nil)
	}
	resp, body := o.do(t, http.MethodGet, "/services/data/v58.0/query?q=SELECT+Id+FROM+Lead", "", "Sforce-Query-Options", "batchSize=10")
	var page queryAnswer
	_ = json.Unmarshal(body, &page)
	if resp.StatusCode != 200 || len(page.Records) != 200 || page.Done || !strings.HasPrefix(page.NextRecordsURL, "/services/data/v58.0/query/01g") {
		t.Fatalf("first page: %d records, next %q (batchSize is clamped to 200)", len(page.Records), page.NextRecordsURL)
	}
	if !strings.HasPrefix(resp.Header.Get("Sforce-Limit-Info"), "api-usage=") {
		t.Errorf("no limit header: %v", resp.Header)
	}
	o.fake.AddLead(nil) // a write between pages does not shift the snapshot
	seen := len(page.Records)
	for !page.Done {
		_, body = o.do(t, http.MethodGet, page.NextRecordsURL, "", "Sforce-Query-Options", "batchSize=200")
		page = queryAnswer{}
		if err := json.Unmarshal(body, &page); err != nil || page.TotalSize != 450 {
			t.Fatalf("next page: %s", body)
		}
		seen += len(page.Records)
	}
	if seen != 450 || page.NextRecordsURL != "" {
		t.Errorf("read %d, last next %q", seen, page.NextRecordsURL)
	}
	resp, body = o.do(t, http.MethodGet, "/services/data/v62.0/query/01gXXXXXXXXXXXXXXX-200", "")
	if resp.StatusCode != 400 || decodeErrors(t, body)[0].ErrorCode != "INVALID_QUERY_LOCATOR" {
		t.Errorf("unknown locator: %d %s", resp.StatusCode, body)
	}
}

func TestRESTErrors(t *testing.T) {
	o := newOrg(t, salesforcetest.Options{})
	tests := []struct {
		name, method, path, body string
		auth                     bool
		status                   int
		code                     string
	}{
		{"no token", http.MethodGet, "/services/data/v62.0/limits", "", false, 401, "INVALID_SESSION_ID"},
		{"unknown route", http.MethodGet, "/services/data/v62.0/nope", "", true, 404, "NOT_FOUND"},
		{"bad version", http.MethodGet, "/services/data/62/limits", "", true, 404, "NOT_FOUND"},
		{"wrong method", http.MethodPut, "/services/data/v62.0/composite/sobjects", "{}", true, 405, "METHOD_NOT_ALLOWED"},
		{"unknown describe", http.MethodGet, "/services/data/v62.0/sobjects/Leed/describe", "", true, 404, "NOT_FOUND"},
		{"bad json", http.MethodPatch, "/services/data/v62.0/composite/sobjects", "{", true, 400, "JSON_PARSER_ERROR"},
		{"too many records", http.MethodPatch, "/services/data/v62.0/composite/sobjects",
			`{"records":[` + strings.TrimSuffix(strings.Repeat(`{"attributes":{"type":"Lead"},"id":"00Q5e0000000001EAA"},`, 201), ",") + `]}`, true, 400, "EXCEEDED_ID_LIMIT"},
		{"unknown field", http.MethodPatch, "/services/data/v62.0/composite/sobjects",
			`{"records":[{"attributes":{"type":"Lead"},"id":"00Q5e0000000001EAA","Foo__c":"x"}]}`, true, 400, "INVALID_FIELD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token := o.token
			if !tt.auth {
				o.token = "00D!garbage"
				defer func() { o.token = token }()
			}
			resp, body := o.do(t, tt.method, tt.path, tt.body)
			if resp.StatusCode != tt.status || decodeErrors(t, body)[0].ErrorCode != tt.code {
				t.Errorf("%d %s, want %d %s", resp.StatusCode, body, tt.status, tt.code)
			}
		})
	}
}

func TestDailyLimitAndExpiredSession(t *testing.T) {
	o := newOrg(t, salesforcetest.Options{DailyLimit: 3})
	for i := 1; i <= 4; i++ {
		resp, body := o.do(t, http.MethodGet, "/services/data/v62.0/limits", "")
		want := fmt.Sprintf("api-usage=%d/3", min(i, 3))
		if got := resp.Header.Get("Sforce-Limit-Info"); got != want {
			t.Errorf("call %d header %q, want %q", i, got, want)
		}
		if i == 4 && (resp.StatusCode != 403 || decodeErrors(t, body)[0].ErrorCode != "REQUEST_LIMIT_EXCEEDED") {
			t.Errorf("over the limit: %d %s", resp.StatusCode, body)
		}
	}
	o.clock.Advance(24 * time.Hour) // a new day, long after the session timed out
	o.login(t)
	if resp, _ := o.do(t, http.MethodGet, "/services/data/v62.0/limits", ""); resp.StatusCode != 200 {
		t.Errorf("next day: %d", resp.StatusCode)
	}
	o.fake.ExpireSessions()
	if resp, body := o.do(t, http.MethodGet, "/services/data/v62.0/limits", ""); resp.StatusCode != 401 ||
		decodeErrors(t, body)[0].Message != "Session expired or invalid" {
		t.Errorf("expired: %d %s", resp.StatusCode, body)
	}
}

func TestCollectionUpdate(t *testing.T) {
	o := newOrg(t, salesforcetest.Options{})
	a := o.fake.AddLead(map[string]string{"LastName": "A", "Title": "CTO"})
	b := o.fake.AddLead(map[string]string{"LastName": "B"})
	o.clock.Advance(time.Minute)
	patch := func(allOrNone bool, records string, header ...string) []map[string]any {
		t.Helper()
		resp, body := o.do(t, http.MethodPatch, "/services/data/v62.0/composite/sobjects",
			fmt.Sprintf(`{"allOrNone":%v,"records":[%s]}`, allOrNone, records), header...)
		var out []map[string]any
		if resp.StatusCode != 200 || json.Unmarshal(body, &out) != nil {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		return out
	}
	rec := func(id, fields string) string {
		return `{"attributes":{"type":"Lead"},"id":"` + id + `"` + fields + `}`
	}

	// allOrNone: one bad record rolls back the good one.
	out := patch(true, rec(a, `,"Title":"CEO"`)+","+rec(b, `,"Email":"nope"`), "Sforce-Auto-Assign", "FALSE")
	if out[0]["success"] != false || !strings.Contains(fmt.Sprint(out[0]["errors"]), "ALL_OR_NONE_OPERATION_ROLLED_BACK") ||
		!strings.Contains(fmt.Sprint(out[1]["errors"]), "INVALID_EMAIL_ADDRESS") || o.fake.Lead(a)["Title"] != "CTO" {
		t.Fatalf("allOrNone: %v", out)
	}
	// An update that changes nothing leaves SystemModstamp alone.
	patch(false, rec(a, `,"Title":"CTO"`), "Sforce-Auto-Assign", "FALSE")
	if got := o.fake.Lead(a)["SystemModstamp"]; got != "2026-03-01T12:00:00.000+0000" {
		t.Errorf("no-op update moved SystemModstamp to %s", got)
	}
	// A change moves it, to the second; numbers as strings are coerced.
	out = patch(false, rec(a, `,"Title":"CEO","NumberOfEmployees":"250"`), "Sforce-Auto-Assign", "false")
	if got := o.fake.Lead(a); out[0]["success"] != true || got["SystemModstamp"] != "2026-03-01T12:01:00.000+0000" ||
		got["NumberOfEmployees"] != "250" || got["OwnerId"] != o.fake.UserID() {
		t.Errorf("update: %v → %v", out, got)
	}
	// Without the header, the assignment rule hands the lead to a queue.
	patch(false, rec(b, `,"Title":"Dev"`))
	if got := o.fake.Lead(b)["OwnerId"]; got != o.fake.AssignmentQueueID() {
		t.Errorf("owner after an update without Sforce-Auto-Assign = %s", got)
	}
	// Custom restricted picklists are validated like standard ones.
	o.fake.DefineField("Lead", salesforcetest.Field{Name: "Seniority__c", Type: "picklist", Picklist: []string{"VP"}, Restricted: true})
	out = patch(false, rec(a, `,"Seniority__c":"vp"`)+","+rec(a[:15], `,"Seniority__c":"VP"`))
	if !strings.Contains(fmt.Sprint(out[0]["errors"]), "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST") || out[1]["success"] != true {
		t.Errorf("picklist: %v", out)
	}
}

func TestJWTBearerGrant(t *testing.T) {
	o := newOrg(t, salesforcetest.Options{}) // no public key configured
	status, body := o.post(t, "/services/oauth2/token", map[string][]string{
		"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"}, "assertion": {"a.b.c"}})
	if status != 400 || !strings.Contains(string(body), `"error":"invalid_grant"`) {
		t.Errorf("%d %s", status, body)
	}
	status, body = o.post(t, "/services/oauth2/token", map[string][]string{"grant_type": {"password"}})
	if status != 400 || !strings.Contains(string(body), "unsupported_grant_type") {
		t.Errorf("%d %s", status, body)
	}
}
