package salesforce_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/salesforce/salesforcetest"
)

// callTap records the data calls a client makes.
type callTap struct {
	mu    sync.Mutex
	calls []call
}

type call struct {
	method, path, soql, autoAssign string
	urlLen                         int
}

func (c *callTap) front(fake http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/services/data/") {
			c.mu.Lock()
			c.calls = append(c.calls, call{method: r.Method, path: r.URL.Path, soql: r.URL.Query().Get("q"),
				autoAssign: r.Header.Get("Sforce-Auto-Assign"), urlLen: len(r.URL.RequestURI())})
			c.mu.Unlock()
		}
		fake.ServeHTTP(w, r)
	})
}

// take returns the calls since the last take.
func (c *callTap) take() []call {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.calls
	c.calls = nil
	return out
}

func tapped(t *testing.T) (*env, *callTap) {
	t.Helper()
	tap := &callTap{}
	return setupBehind(t, salesforcetest.Options{}, tap.front), tap
}

func TestCompanyObject(t *testing.T) {
	e := setup(t, salesforcetest.Options{})
	if got := e.client.CompanyObject(); got != "Account" {
		t.Errorf("CompanyObject = %q", got)
	}
}

// TestCompaniesOfContacts: a Contact's company is its AccountId (salesforce-api.md
// §5.5). 450 contacts cost three Contact queries of 200 ids and one Account query;
// contacts without an account, deleted or unknown are absent, and each answer is
// keyed by the id as the caller spelled it.
func TestCompaniesOfContacts(t *testing.T) {
	e, tap := tapped(t)
	acme := e.fake.AddAccount(map[string]string{"Name": "Acme", "Industry": "Technology", "NumberOfEmployees": "250"})
	beta := e.fake.AddAccount(map[string]string{"Name": "Beta", "Website": "beta.io"})
	var people []string
	for i := range 448 {
		people = append(people, e.fake.AddContactTo([]string{acme, beta}[i%2], nil))
	}
	alone := e.fake.AddContact(nil)
	gone := e.fake.AddContactTo(beta, nil)
	if err := e.fake.Delete("Contact", gone); err != nil {
		t.Fatal(err)
	}
	people = append(people, alone, gone)
	people[0] = people[0][:15]
	tap.take()

	got, err := e.client.CompaniesOf(context.Background(), "Contact", people, []string{"Name", "Industry", "NumberOfEmployees"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 448 {
		t.Fatalf("%d contacts with a company, want 448", len(got))
	}
	want := crm.Record{ID: acme, ModifiedAt: e.clock.Now(),
		Fields: map[string]string{"Name": "Acme", "Industry": "Technology", "NumberOfEmployees": "250"}}
	if diff := cmp.Diff(want, got[people[0]]); diff != "" {
		t.Errorf("the 15-char spelling's company (-want +got):\n%s", diff)
	}
	if got[people[1]].ID != beta || got[people[1]].Fields["Name"] != "Beta" {
		t.Errorf("second contact: %+v", got[people[1]])
	}
	for _, id := range []string{alone, gone} {
		if _, ok := got[id]; ok {
			t.Errorf("%s has a company: %+v", id, got[id])
		}
	}
	var contactQueries, accountQueries int
	for _, c := range tap.take() {
		switch {
		case strings.Contains(c.soql, "FROM Contact WHERE Id IN"):
			contactQueries++
		case strings.Contains(c.soql, "FROM Account WHERE Id IN"):
			accountQueries++
		default:
			t.Errorf("unexpected call %+v", c)
		}
	}
	if contactQueries != 3 || accountQueries != 1 {
		t.Errorf("%d contact queries and %d account queries, want 3 and 1", contactQueries, accountQueries)
	}
}

// TestCompaniesOfLeadsAndOthers: a Lead has no account until it is converted, so the
// answer is empty and costs nothing; objects without an account lookup and bad ids
// are refused before any call.
func TestCompaniesOfLeadsAndOthers(t *testing.T) {
	e, tap := tapped(t)
	lead := e.fake.AddLead(nil)
	tap.take()
	got, err := e.client.CompaniesOf(context.Background(), "Lead", []string{lead}, []string{"Name"})
	if err != nil || len(got) != 0 {
		t.Errorf("Lead: %v, %v", got, err)
	}
	if _, err := e.client.CompaniesOf(context.Background(), "Opportunity", []string{lead}, nil); crm.ClassOf(err) != crm.ClassInvalid {
		t.Errorf("Opportunity: %v", err)
	}
	if _, err := e.client.CompaniesOf(context.Background(), "Contact", []string{"x') OR ('"}, nil); crm.ClassOf(err) != crm.ClassInvalid {
		t.Errorf("bad id: %v", err)
	}
	if calls := tap.take(); len(calls) != 0 {
		t.Errorf("calls made: %+v", calls)
	}
}

// TestCompaniesByDomain: Website is an Account's only domain; its bare host must be
// the domain exactly (no scheme, port, path or www., case ignored), LIKE only finds
// candidates. The oldest live Account wins (CreatedDate, then Id); only the fields
// asked for come back.
func TestCompaniesByDomain(t *testing.T) {
	e, tap := tapped(t)
	gone := e.fake.AddAccount(map[string]string{"Name": "Deleted Acme", "Website": "acme.com"})
	if err := e.fake.Delete("Account", gone); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Second)
	acme := e.fake.AddAccount(map[string]string{"Name": "Acme", "Website": "https://www.ACME.com:443/about", "Industry": "Retail"})
	for _, w := range []string{"notacme.com", "acme.com.au", "shop.acme.com", "acme.community"} {
		e.fake.AddAccount(map[string]string{"Name": w, "Website": w})
	}
	beta1 := e.fake.AddAccount(map[string]string{"Name": "Beta One", "Website": "beta.io"})
	e.fake.AddAccount(map[string]string{"Name": "Beta Two", "Website": "http://beta.io"})
	e.clock.Advance(time.Second)
	e.fake.AddAccount(map[string]string{"Name": "Acme Again", "Website": "acme.com"})
	tap.take()

	got, err := e.client.CompaniesByDomain(context.Background(),
		[]string{"acme.com", "WWW.Acme.com", "beta.io", "nope.com", "a_b.com", "x') OR ('"}, []string{"Name", "Industry"})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for d, r := range got {
		ids[d] = r.ID
	}
	if diff := cmp.Diff(map[string]string{"acme.com": acme, "WWW.Acme.com": acme, "beta.io": beta1}, ids); diff != "" {
		t.Errorf("ids by domain (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]string{"Name": "Acme", "Industry": "Retail"}, got["acme.com"].Fields); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
	calls := tap.take()
	if len(calls) != 1 || !strings.Contains(calls[0].soql, "ORDER BY CreatedDate ASC, Id ASC") ||
		!strings.Contains(calls[0].soql, `Website LIKE '%a\_b.com%'`) || calls[0].path != "/services/data/v62.0/query" {
		t.Errorf("calls: %+v", calls)
	}
}

// TestCompaniesByDomainManyDomains: the LIKE terms are split over several queries so
// that no URL comes near the 16,384 characters Salesforce takes (salesforce-api.md
// §6.2), and every domain is still found.
func TestCompaniesByDomainManyDomains(t *testing.T) {
	e, tap := tapped(t)
	var domains []string
	for i := range 400 {
		d := "company-number-" + strconv.Itoa(i) + ".example.com"
		domains = append(domains, d)
		e.fake.AddAccount(map[string]string{"Name": d, "Website": "https://" + d})
	}
	tap.take()
	got, err := e.client.CompaniesByDomain(context.Background(), domains, []string{"Name"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 400 || got[domains[399]].Fields["Name"] != domains[399] {
		t.Errorf("found %d of 400", len(got))
	}
	calls := tap.take()
	if len(calls) < 2 {
		t.Errorf("%d queries for 400 domains", len(calls))
	}
	for _, c := range calls {
		if c.urlLen > 16384/2 {
			t.Errorf("a URL of %d characters", c.urlLen)
		}
	}
}

// TestCreateCompany: the Account is created through sObject Collections with
// Sforce-Auto-Assign: FALSE (salesforce-api.md §4.5: the header applies to creating
// Accounts), its values as their describe types, and the contacts are linked by
// AccountId; the new Account is then found by domain and as the contacts' company.
func TestCreateCompany(t *testing.T) {
	e, tap := tapped(t)
	ada := e.fake.AddContact(map[string]string{"LastName": "Lovelace"})
	grace := e.fake.AddContact(map[string]string{"LastName": "Hopper"})
	e.clock.Advance(time.Minute)
	fields := map[string]string{"Name": "Acme", "Website": "https://acme.com", "Industry": "Technology",
		"NumberOfEmployees": "250", "AnnualRevenue": "5000000.50", "Description": ""}
	id, err := e.client.CreateCompany(context.Background(), "Contact", fields, []string{ada, grace[:15], grace})
	if err != nil {
		t.Fatal(err)
	}
	acme := e.fake.Account(id)
	want := map[string]string{"Name": "Acme", "Website": "https://acme.com", "Industry": "Technology",
		"NumberOfEmployees": "250", "AnnualRevenue": "5000000.5", "Description": "",
		"SystemModstamp": "2026-03-01T12:01:00.000+0000"}
	for k, v := range want {
		if acme[k] != v {
			t.Errorf("account %s = %q, want %q", k, acme[k], v)
		}
	}
	for _, c := range []string{ada, grace} {
		if got := e.fake.Contact(c)["AccountId"]; got != id {
			t.Errorf("contact %s AccountId = %q, want %s", c, got, id)
		}
	}
	if n := e.fake.AccountCount(); n != 1 {
		t.Errorf("AccountCount = %d", n)
	}
	var writes []call
	for _, c := range tap.take() {
		if strings.HasSuffix(c.path, "/composite/sobjects") {
			writes = append(writes, c)
		}
	}
	if len(writes) != 2 || writes[0].method != http.MethodPost || writes[1].method != http.MethodPatch ||
		writes[0].autoAssign != "FALSE" || writes[1].autoAssign != "FALSE" {
		t.Errorf("writes: %+v", writes)
	}
	byDomain, err := e.client.CompaniesByDomain(context.Background(), []string{"acme.com"}, []string{"Name"})
	if err != nil || byDomain["acme.com"].ID != id {
		t.Errorf("by domain: %v, %v", byDomain, err)
	}
	of, err := e.client.CompaniesOf(context.Background(), "Contact", []string{ada}, []string{"Name"})
	if err != nil || of[ada].ID != id {
		t.Errorf("company of ada: %v, %v", of, err)
	}
}

// TestCreateCompanyRefusals: what the org refuses comes back classified invalid,
// naming fields without their values; values that cannot be sent, a Lead to link and
// bad ids are refused before any call, so that no Account is created for them.
func TestCreateCompanyRefusals(t *testing.T) {
	e, tap := tapped(t)
	lead := e.fake.AddLead(nil)
	long := strings.Repeat("Acme ", 60)
	tests := []struct {
		name   string
		object string
		fields map[string]string
		people []string
		calls  bool   // whether the create went out
		code   string // crm.Error code, "" for any
		text   string // in the error text
	}{
		{"too long", "Contact", map[string]string{"Name": long}, nil, true, "STRING_TOO_LONG", "Name (STRING_TOO_LONG)"},
		{"no name", "Contact", map[string]string{"Website": "acme.com"}, nil, true, "REQUIRED_FIELD_MISSING", ""},
		{"read-only", "Contact", map[string]string{"Name": "Acme", "CreatedDate": "2026-01-01T00:00:00Z"}, nil, true,
			"INVALID_FIELD_FOR_INSERT_UPDATE", ""},
		{"not a number", "Contact", map[string]string{"Name": "Acme", "NumberOfEmployees": "many"}, nil, false, "JSON_PARSER_ERROR", ""},
		{"lead", "Lead", map[string]string{"Name": "Acme"}, []string{lead}, false, "", "converted"},
		{"bad id", "Contact", map[string]string{"Name": "Acme"}, []string{"x') OR ('"}, false, "", "bad record id"},
		{"bad field", "Contact", map[string]string{"Name": "Acme", "x, Id": "1"}, nil, false, "", "bad field name"},
	}
	_, _ = e.client.Schema(context.Background(), "Account") // the describe every run reads first
	for _, tt := range tests {
		tap.take()
		id, err := e.client.CreateCompany(context.Background(), tt.object, tt.fields, tt.people)
		ce, _ := err.(*crm.Error)
		if id != "" || ce == nil || ce.Class != crm.ClassInvalid || (tt.code != "" && ce.Code != tt.code) ||
			!strings.Contains(err.Error(), tt.text) {
			t.Errorf("%s: %q, %v", tt.name, id, err)
			continue
		}
		if strings.Contains(err.Error(), "Acme Acme") {
			t.Errorf("%s: the error carries the value: %v", tt.name, err)
		}
		if sent := len(tap.take()) > 0; sent != tt.calls {
			t.Errorf("%s: create sent %v, want %v", tt.name, sent, tt.calls)
		}
	}
	if n := e.fake.AccountCount(); n != 0 {
		t.Errorf("%d accounts created", n)
	}
}

// TestCreateCompanyLinkFails: once the Account exists, a contact that cannot be
// linked (deleted meanwhile) does not lose it: the id comes back with the error,
// and the other contacts are linked.
func TestCreateCompanyLinkFails(t *testing.T) {
	e := setup(t, salesforcetest.Options{})
	ada := e.fake.AddContact(nil)
	gone := e.fake.AddContact(nil)
	if err := e.fake.Delete("Contact", gone); err != nil {
		t.Fatal(err)
	}
	id, err := e.client.CreateCompany(context.Background(), "Contact", map[string]string{"Name": "Acme"}, []string{ada, gone})
	if id == "" || e.fake.Account(id) == nil || crm.ClassOf(err) != crm.ClassInvalid ||
		!strings.Contains(err.Error(), "1 of 2 contacts not linked") || !strings.Contains(err.Error(), "ENTITY_IS_DELETED") {
		t.Fatalf("%q, %v", id, err)
	}
	if e.fake.Contact(ada)["AccountId"] != id {
		t.Errorf("ada not linked")
	}
}

// TestLinkCompany: 250 contacts take two collection updates of at most 200, with
// Sforce-Auto-Assign: FALSE and no read-back; repeated ids, however spelled, go
// once. A Lead is refused without a call; an id of another object is refused by the
// org for every contact (FIELD_INTEGRITY_EXCEPTION), classified invalid.
func TestLinkCompany(t *testing.T) {
	e, tap := tapped(t)
	acme := e.fake.AddAccount(map[string]string{"Name": "Acme"})
	lead := e.fake.AddLead(nil)
	var people []string
	for range 250 {
		people = append(people, e.fake.AddContact(nil))
	}
	people = append(people, people[7][:15], people[8])
	_, _ = e.client.Schema(context.Background(), "Contact")
	tap.take()
	if err := e.client.LinkCompany(context.Background(), "Contact", acme, people); err != nil {
		t.Fatal(err)
	}
	calls := tap.take()
	if len(calls) != 2 {
		t.Fatalf("%d calls, want 2: %+v", len(calls), calls)
	}
	for _, c := range calls {
		if c.method != http.MethodPatch || c.autoAssign != "FALSE" {
			t.Errorf("call %+v", c)
		}
	}
	for _, p := range people {
		if e.fake.Contact(p)["AccountId"] != acme {
			t.Fatalf("contact %s not linked", p)
		}
	}
	if err := e.client.LinkCompany(context.Background(), "Lead", acme, []string{lead}); crm.ClassOf(err) != crm.ClassInvalid {
		t.Errorf("Lead: %v", err)
	}
	if calls := tap.take(); len(calls) != 0 {
		t.Errorf("a Lead link made calls: %+v", calls)
	}
	err := e.client.LinkCompany(context.Background(), "Contact", lead, people[:3])
	if crm.ClassOf(err) != crm.ClassInvalid || !strings.Contains(err.Error(), "3 of 3 contacts not linked") ||
		!strings.Contains(err.Error(), "FIELD_INTEGRITY_EXCEPTION") {
		t.Errorf("a Lead's id as account: %v", err)
	}
}

// TestAccountPipeline: Account records go through the same hardened read as Leads
// ((SystemModstamp, Id) keyset, lookback), without the Lead-only IsConverted term;
// Write stamps them, so that the next read hands out the new version; Get reads them
// through queryAll and flags the recycle bin's.
func TestAccountPipeline(t *testing.T) {
	e, tap := tapped(t)
	acme := e.fake.AddAccount(map[string]string{"Name": "Acme", "Website": "acme.com"})
	beta := e.fake.AddAccount(map[string]string{"Name": "Beta", "Industry": "Banking"})
	e.clock.Advance(time.Second)
	req := crm.ChangesRequest{Object: "Account", Fields: []string{"Name", "Industry"}, Filter: crm.Filter{Missing: []string{"NumberOfEmployees"}}}
	pages, err := readAll(t, e.client, req)
	if err != nil || !cmp.Equal(ids(pages), []string{acme, beta}) || pages[0].Records[1].Fields["Industry"] != "Banking" {
		t.Fatalf("first read: %v, %v", ids(pages), err)
	}
	for _, c := range tap.take() {
		if strings.Contains(c.soql, "IsConverted") {
			t.Errorf("an Account read asks for IsConverted: %s", c.soql)
		}
	}

	e.clock.Advance(time.Minute)
	results, err := e.client.Write(context.Background(), "Account", []crm.Patch{{RecordID: acme, Fields: map[string]string{"Industry": "Technology"}}})
	if err != nil || results[0].Err != nil || !results[0].ModifiedAt.Equal(e.clock.Now()) {
		t.Fatalf("write: %+v, %v", results, err)
	}
	e.clock.Advance(time.Second)
	req.Since = pages[len(pages)-1].Next
	pages, err = readAll(t, e.client, req)
	if err != nil || !cmp.Equal(ids(pages), []string{acme}) || !pages[0].Records[0].ModifiedAt.Equal(results[0].ModifiedAt) ||
		pages[0].Records[0].Fields["Industry"] != "Technology" {
		t.Errorf("read after the write: %v, %v", pages, err)
	}

	if err := e.fake.Delete("Account", beta); err != nil {
		t.Fatal(err)
	}
	recs, err := e.client.Get(context.Background(), "Account", []string{acme, beta}, []string{"Name"})
	got := map[string]bool{}
	for _, r := range recs {
		got[r.ID] = r.Deleted
	}
	if err != nil || !cmp.Equal(got, map[string]bool{acme: false, beta: true}) {
		t.Errorf("Get: %v, %v", got, err)
	}
	lead := crm.ChangesRequest{Object: "Lead", Fields: []string{"Email"}}
	if _, err := readAll(t, e.client, lead); err != nil {
		t.Fatal(err)
	}
	if calls := tap.take(); len(calls) == 0 || !strings.Contains(calls[len(calls)-1].soql, "IsConverted = false") {
		t.Errorf("a Lead read lost IsConverted = false: %+v", calls)
	}
}
