package salesforcetest_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/leadsync/leadsync/crm/salesforce/salesforcetest"
)

// TestAccountDescribe: Account's standard fields with the types and lengths of
// reference §5.5 (Name 255, Website url 255, Industry picklist, NumberOfEmployees
// int, AnnualRevenue currency, BillingCity 40) and of the Field Reference's Account
// table for the rest; Contact.AccountId and Account.ParentId are lookups to Account.
func TestAccountDescribe(t *testing.T) {
	o := newOrg(t, salesforcetest.Options{})
	tests := []struct {
		object, field string
		want          map[string]any
	}{
		{"Account", "Name", map[string]any{"type": "string", "length": 255.0, "nillable": false, "createable": true, "updateable": true}},
		{"Account", "Website", map[string]any{"type": "url", "length": 255.0, "nillable": true}},
		{"Account", "Industry", map[string]any{"type": "picklist", "restrictedPicklist": false}},
		{"Account", "NumberOfEmployees", map[string]any{"type": "int", "digits": 8.0, "soapType": "xsd:int"}},
		{"Account", "AnnualRevenue", map[string]any{"type": "currency", "precision": 18.0, "scale": 0.0}},
		{"Account", "Description", map[string]any{"type": "textarea", "length": 32000.0}},
		{"Account", "BillingCity", map[string]any{"type": "string", "length": 40.0}},
		{"Account", "BillingCountry", map[string]any{"type": "string", "length": 80.0}},
		{"Account", "Phone", map[string]any{"type": "phone", "length": 40.0}},
		{"Account", "SystemModstamp", map[string]any{"type": "datetime", "updateable": false}},
		{"Account", "OwnerId", map[string]any{"type": "reference", "defaultedOnCreate": true, "relationshipName": "Owner"}},
		{"Account", "ParentId", map[string]any{"type": "reference", "referenceTo": []any{"Account"}, "relationshipName": "Parent"}},
		{"Contact", "AccountId", map[string]any{"type": "reference", "referenceTo": []any{"Account"},
			"relationshipName": "Account", "createable": true, "updateable": true, "nillable": true}},
		{"Lead", "Status", map[string]any{"nillable": false, "defaultedOnCreate": true}},
	}
	for _, tt := range tests {
		d := describeField(t, o, tt.object, tt.field)
		got := map[string]any{}
		for k := range tt.want {
			got[k] = d[k]
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s.%s (-want +got):\n%s", tt.object, tt.field, diff)
		}
	}
	industry := describeField(t, o, "Account", "Industry")
	if values := industry["picklistValues"].([]any); len(values) < 30 ||
		!strings.Contains(mustJSON(t, values), `"value":"Technology"`) {
		t.Errorf("Industry values: %v", values)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestAccountsAndContactsThroughSOQL: Account, Contact and AccountId go through the
// one SOQL engine: Id IN, a lookup compared with an id, LIKE on Website (case
// ignored, reference §3.8), ORDER BY CreatedDate.
func TestAccountsAndContactsThroughSOQL(t *testing.T) {
	o := newOrg(t, salesforcetest.Options{})
	acme := o.fake.AddAccount(map[string]string{"Name": "Acme", "Website": "https://www.ACME.com/about"})
	o.clock.Advance(time.Second)
	acme2 := o.fake.AddAccount(map[string]string{"Name": "Acme Labs", "Website": "acme.com"})
	other := o.fake.AddAccount(map[string]string{"Name": "Not Acme", "Website": "notacme.io"})
	ada := o.fake.AddContactTo(acme, map[string]string{"LastName": "Lovelace"})
	loner := o.fake.AddContact(map[string]string{"LastName": "Alone"})
	tests := []struct {
		soql string
		want []string
	}{
		{"SELECT Id FROM Account WHERE Website LIKE '%acme.com%' ORDER BY CreatedDate DESC, Id", []string{acme2, acme}},
		{"SELECT Id FROM Account WHERE Website LIKE '%acme%' ORDER BY CreatedDate, Id", []string{acme, acme2, other}},
		{"SELECT Id FROM Contact WHERE AccountId = '" + acme[:15] + "'", []string{ada}},
		{"SELECT Id FROM Contact WHERE AccountId = null", []string{loner}},
		{"SELECT Id FROM Account WHERE Id IN ('" + other + "', '" + acme + "')", []string{acme, other}},
	}
	for _, tt := range tests {
		if got := rowIDs(o.queryRows(t, "query", tt.soql)); !cmp.Equal(got, tt.want) {
			t.Errorf("%s = %v, want %v", tt.soql, got, tt.want)
		}
	}
	rows := o.queryRows(t, "query", "SELECT Id, AccountId FROM Contact WHERE Id IN ('"+ada+"', '"+loner+"')")
	if len(rows) != 2 || rows[0]["AccountId"] != acme || rows[1]["AccountId"] != nil {
		t.Errorf("AccountId rows: %v", rows)
	}
}

type saveAnswer struct {
	ID      string `json:"id"`
	Success bool   `json:"success"`
	Errors  []struct {
		StatusCode string   `json:"statusCode"`
		Message    string   `json:"message"`
		Fields     []string `json:"fields"`
	} `json:"errors"`
}

// collection sends an sObject Collections request and decodes its 200 answer.
func (o *org) collection(t *testing.T, method, body string, header ...string) []saveAnswer {
	t.Helper()
	resp, raw := o.do(t, method, "/services/data/v62.0/composite/sobjects", body, header...)
	var out []saveAnswer
	if resp.StatusCode != http.StatusOK || json.Unmarshal(raw, &out) != nil {
		t.Fatalf("%s collection: %d %s", method, resp.StatusCode, raw)
	}
	return out
}

func code(a saveAnswer) string {
	if a.Success || len(a.Errors) == 0 {
		return ""
	}
	return a.Errors[0].StatusCode
}

// TestCollectionCreate: POST /composite/sobjects creates up to 200 records in request
// order and answers a SaveResult each ("Create Records Using sObject Collections"):
// the new 18-char id, or the reasons, without an id. A record naming an id, or
// leaving out a required field (reference §4.6 item 7), is refused alone; created
// records carry CreatedDate, LastModifiedDate and SystemModstamp of the save.
func TestCollectionCreate(t *testing.T) {
	o := newOrg(t, salesforcetest.Options{})
	o.clock.Advance(time.Minute)
	out := o.collection(t, http.MethodPost, `{"records":[
		{"attributes":{"type":"Account"},"Name":"Acme","Website":"acme.com","NumberOfEmployees":"250","Industry":"Technology"},
		{"attributes":{"type":"Account"},"Website":"nameless.com"},
		{"attributes":{"type":"Account"},"id":"001000000000001AAA","Name":"With id"},
		{"attributes":{"type":"Contact"},"LastName":"Lovelace","Email":"ada@acme.com"}]}`, "Sforce-Auto-Assign", "FALSE")
	if len(out) != 4 || !out[0].Success || !out[3].Success || !strings.HasPrefix(out[0].ID, "001") ||
		len(out[0].ID) != 18 || !strings.HasPrefix(out[3].ID, "003") {
		t.Fatalf("results %+v", out)
	}
	if code(out[1]) != "REQUIRED_FIELD_MISSING" || out[1].Errors[0].Message != "Required fields are missing: [Name]" ||
		out[1].ID != "" || code(out[2]) != "INVALID_FIELD" {
		t.Errorf("refused records: %+v", out[1:3])
	}
	acme := o.fake.Account(out[0].ID)
	stamp := "2026-03-01T12:01:00.000+0000"
	want := map[string]string{"Name": "Acme", "Website": "acme.com", "NumberOfEmployees": "250", "Industry": "Technology",
		"CreatedDate": stamp, "LastModifiedDate": stamp, "SystemModstamp": stamp, "OwnerId": o.fake.UserID(), "IsDeleted": "false"}
	for k, v := range want {
		if acme[k] != v {
			t.Errorf("created account %s = %q, want %q", k, acme[k], v)
		}
	}
	if n := o.fake.AccountCount(); n != 1 {
		t.Errorf("AccountCount = %d, want 1", n)
	}
}

// TestCollectionCreateAllOrNoneAndAssignment: allOrNone rolls every record back when
// one fails (reference §4.3), so nothing is created; a lead created without
// "Sforce-Auto-Assign: FALSE" goes through the assignment rule, which applies to
// creates as to updates (§4.5).
func TestCollectionCreateAllOrNoneAndAssignment(t *testing.T) {
	o := newOrg(t, salesforcetest.Options{})
	out := o.collection(t, http.MethodPost, `{"allOrNone":true,"records":[
		{"attributes":{"type":"Account"},"Name":"Good"},
		{"attributes":{"type":"Account"},"Name":"Bad","Industry":"`+strings.Repeat("x", 256)+`"}]}`)
	if code(out[0]) != "ALL_OR_NONE_OPERATION_ROLLED_BACK" || code(out[1]) != "STRING_TOO_LONG" || o.fake.AccountCount() != 0 {
		t.Errorf("allOrNone: %+v, %d accounts", out, o.fake.AccountCount())
	}
	lead := `{"records":[{"attributes":{"type":"Lead"},"LastName":"Hopper","Company":"Navy"}]}`
	assigned := o.collection(t, http.MethodPost, lead)[0]
	kept := o.collection(t, http.MethodPost, lead, "Sforce-Auto-Assign", "false")[0]
	if o.fake.Lead(assigned.ID)["OwnerId"] != o.fake.AssignmentQueueID() || o.fake.Lead(kept.ID)["OwnerId"] != o.fake.UserID() {
		t.Errorf("owners: assigned %s, kept %s", o.fake.Lead(assigned.ID)["OwnerId"], o.fake.Lead(kept.ID)["OwnerId"])
	}
	if got := o.fake.Lead(kept.ID)["Status"]; got != "Open - Not Contacted" {
		t.Errorf("defaulted Status = %q", got)
	}
}

// TestAccountIdLookup: Contact.AccountId takes an Account's id (15 or 18 chars,
// stored as 18) and nothing else: another object's id, an id naming no record and an
// account in the recycle bin are refused for that record alone (checkRef). Linking a
// contact stamps the contact, not the account.
func TestAccountIdLookup(t *testing.T) {
	o := newOrg(t, salesforcetest.Options{})
	acme := o.fake.AddAccount(map[string]string{"Name": "Acme"})
	gone := o.fake.AddAccount(map[string]string{"Name": "Gone"})
	if err := o.fake.Delete("Account", gone); err != nil {
		t.Fatal(err)
	}
	lead := o.fake.AddLead(nil)
	var contacts []string
	for range 4 {
		contacts = append(contacts, o.fake.AddContact(nil))
	}
	o.clock.Advance(time.Minute)
	link := func(contact, account string) string {
		return `{"attributes":{"type":"Contact"},"id":"` + contact + `","AccountId":"` + account + `"}`
	}
	out := o.collection(t, http.MethodPatch, `{"records":[`+link(contacts[0], acme[:15])+","+link(contacts[1], lead)+","+
		link(contacts[2], "001000000000999AAA")+","+link(contacts[3], gone)+`]}`, "Sforce-Auto-Assign", "FALSE")
	got := []string{code(out[0]), code(out[1]), code(out[2]), code(out[3])}
	want := []string{"", "FIELD_INTEGRITY_EXCEPTION", "INVALID_CROSS_REFERENCE_KEY", "ENTITY_IS_DELETED"}
	if !cmp.Equal(got, want) || out[1].Errors[0].Message != "Account ID: id value of incorrect type: "+lead ||
		!cmp.Equal(out[1].Errors[0].Fields, []string{"AccountId"}) {
		t.Errorf("codes %v, want %v; %+v", got, want, out[1])
	}
	c := o.fake.Contact(contacts[0])
	if c["AccountId"] != acme || c["SystemModstamp"] != "2026-03-01T12:01:00.000+0000" {
		t.Errorf("linked contact: %v", c)
	}
	if a := o.fake.Account(acme); a["SystemModstamp"] != "2026-03-01T12:00:00.000+0000" {
		t.Errorf("the account moved: %v", a["SystemModstamp"])
	}
	if _, err := o.fake.Add("Contact", map[string]string{"AccountId": lead}); err == nil {
		t.Error("a seed with a Lead's id as AccountId was accepted")
	}
}

// TestAccountUpdateStamps: an Account update moves LastModifiedDate and
// SystemModstamp as a Lead's does (reference §4.6, last paragraph), so that an
// Account pipeline reads it again.
func TestAccountUpdateStamps(t *testing.T) {
	o := newOrg(t, salesforcetest.Options{})
	acme := o.fake.AddAccount(map[string]string{"Name": "Acme"})
	o.clock.Advance(time.Hour)
	out := o.collection(t, http.MethodPatch, `{"records":[{"attributes":{"type":"Account"},"id":"`+acme+
		`","Industry":"Technology","NumberOfEmployees":120}]}`, "Sforce-Auto-Assign", "FALSE")
	a := o.fake.Account(acme)
	if !out[0].Success || a["Industry"] != "Technology" || a["NumberOfEmployees"] != "120" ||
		a["SystemModstamp"] != "2026-03-01T13:00:00.000+0000" || a["LastModifiedDate"] != a["SystemModstamp"] ||
		a["CreatedDate"] != "2026-03-01T12:00:00.000+0000" {
		t.Errorf("%+v: %v", out, a)
	}
}
