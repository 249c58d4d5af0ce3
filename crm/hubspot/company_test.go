package hubspot_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/hubspot"
	"github.com/leadsync/leadsync/crm/hubspot/hubspottest"
)

func TestCompanyOf(t *testing.T) {
	e := setup(t, hubspottest.Options{})
	f := e.fake
	acme := f.Add("companies", map[string]string{"name": "Acme", "domain": "acme.com", "industry": "COMPUTER_SOFTWARE"})
	globex := f.Add("companies", map[string]string{"name": "Globex", "domain": "globex.com"})
	gone := f.Add("companies", map[string]string{"name": "Gone", "domain": "gone.com"})
	primaryLater := f.AddContact(map[string]string{"email": "a@acme.com"})
	onlyOther := f.AddContact(map[string]string{"email": "b@globex.com"})
	none := f.AddContact(map[string]string{"email": "c@nowhere.com"})
	archivedCompany := f.AddContact(map[string]string{"email": "d@gone.com"})
	f.Associate(primaryLater, globex, false)
	f.Associate(primaryLater, acme, true)
	f.Associate(onlyOther, globex, false)
	f.Associate(archivedCompany, gone, true)
	f.Archive("companies", gone)

	// More contacts than one association read takes, to cover the chunking.
	var many []string
	for i := range 1100 {
		many = append(many, strconv.Itoa(100000+i))
	}
	got, err := e.client.CompanyOf(context.Background(),
		append([]string{primaryLater, onlyOther, none, archivedCompany, primaryLater}, many...), "name", "industry")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]hubspot.Company{
		primaryLater: {ID: acme, Primary: true, Fields: map[string]string{"name": "Acme", "industry": "COMPUTER_SOFTWARE"}},
		onlyOther:    {ID: globex, Fields: map[string]string{"name": "Globex", "industry": ""}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("CompanyOf (-want +got):\n%s", diff)
	}
}

// CompaniesOf is the crm.Companies face of CompanyOf: records with the requested
// fields and their modification time, for contacts and for leads (whose primary
// company is type 580, associations v4 guide); other objects have no companies.
func TestCompaniesOf(t *testing.T) {
	e := setup(t, hubspottest.Options{})
	f := e.fake
	acme := f.AddCompany(map[string]string{"name": "Acme", "domain": "acme.com"})
	other := f.AddCompany(map[string]string{"name": "Other"})
	ann := f.AddContact(map[string]string{"email": "ann@acme.com"})
	bob := f.AddContact(map[string]string{"email": "bob@x.com"})
	f.Associate(ann, other, false)
	f.Associate(ann, acme, true)
	lead := f.AddLead(ann, map[string]string{"hs_lead_name": "Ann"})
	ctx := context.Background()

	got, err := e.client.CompaniesOf(ctx, "contacts", []string{ann, bob}, []string{"name", "domain"})
	if err != nil {
		t.Fatal(err)
	}
	if r, ok := got[ann]; len(got) != 1 || !ok || r.ID != acme || r.ModifiedAt.IsZero() ||
		!cmp.Equal(r.Fields, map[string]string{"name": "Acme", "domain": "acme.com"}) {
		t.Errorf("contacts: %+v", got)
	}
	got, err = e.client.CompaniesOf(ctx, "0-136", []string{lead}, []string{"name"})
	if err != nil || got[lead].ID != acme {
		t.Errorf("leads: %+v, %v", got, err)
	}
	got, err = e.client.CompaniesOf(ctx, "companies", []string{acme}, nil)
	if err != nil || len(got) != 0 {
		t.Errorf("companies of companies: %+v, %v", got, err)
	}
	if e.client.CompanyObject() != "companies" {
		t.Errorf("CompanyObject() = %q", e.client.CompanyObject())
	}
}

// A contact's associations come in pages (the spec's per-input paging of the v4
// batch read); a primary company on a later page is still the one chosen, and each
// page costs one call for all the contacts that still have one.
func TestCompaniesOfFollowsAssociationPaging(t *testing.T) {
	clk := newClock()
	fake := hubspottest.NewServer(hubspottest.Options{Clock: clk.Now, AssociationPageSize: 2, SearchPerSecond: -1, BurstLimit: -1})
	calls := &counter{next: fake, n: map[string]int{}}
	e := setupHandler(t, fake, calls, clk)
	many, few := fake.AddContact(map[string]string{"email": "many@x.com"}), fake.AddContact(map[string]string{"email": "few@x.com"})
	var companies []string
	for range 5 {
		companies = append(companies, fake.AddCompany(map[string]string{"name": "C"}))
	}
	for _, co := range companies {
		fake.Associate(many, co, co == companies[4])
	}
	for _, co := range companies[1:4] {
		fake.Associate(few, co, false)
	}
	got, err := e.client.CompanyOf(context.Background(), []string{many, few}, "name")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]hubspot.Company{
		many: {ID: companies[4], Primary: true, Fields: map[string]string{"name": "C"}},
		few:  {ID: companies[1], Fields: map[string]string{"name": "C"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("CompanyOf (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]int{
		"POST /crm/v4/associations/contacts/companies/batch/read": 3,
		"POST /crm/v3/objects/companies/batch/read":               1,
	}, calls.counts()); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
}

// Leads (0-136) are a source like contacts, keyed on hs_lastmodifieddate.
func TestLeadsAsSource(t *testing.T) {
	e := setup(t, hubspottest.Options{}, hubspot.WithOverlap(0))
	contact := e.fake.AddContact(map[string]string{"email": "lead@acme.com", "firstname": "Lea"})
	var leads []string
	for i := range 5 {
		leads = append(leads, e.fake.AddLead(contact, map[string]string{"hs_lead_name": "Lead " + strconv.Itoa(i)}))
	}
	e.clock.Advance(time.Second)
	for _, object := range []string{"leads", "0-136"} {
		pages, err := readAll(t, e.client, crm.ChangesRequest{Object: object, PageSize: 2,
			Fields: []string{"hs_lead_name", "hs_associated_contact_email"}})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(leads, ids(pages)); diff != "" {
			t.Errorf("%s ids (-want +got):\n%s", object, diff)
		}
		r := pages[0].Records[0]
		if r.Fields["hs_lead_name"] != "Lead 0" || r.Fields["hs_associated_contact_email"] != "lead@acme.com" || r.ModifiedAt.IsZero() {
			t.Errorf("%s first record = %+v", object, r)
		}
	}
	res, err := e.client.Write(context.Background(), "leads", []crm.Patch{{RecordID: leads[0], Fields: map[string]string{"hs_lead_label": "HOT"}}})
	if err != nil || res[0].Err != nil || res[0].ModifiedAt.IsZero() {
		t.Fatalf("write lead: %v %+v", err, res)
	}
	if v, _ := e.fake.Get("leads", leads[0]); v["hs_lead_label"] != "HOT" {
		t.Errorf("lead after write = %v", v)
	}
}
