package hubspot_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/hubspot/hubspottest"
)

func linksOf(f *hubspottest.Server, contacts ...string) map[string][]hubspottest.CompanyLink {
	out := map[string][]hubspottest.CompanyLink{}
	for _, c := range contacts {
		out[c] = f.ContactCompanies(c)
	}
	return out
}

// Reference §5.1 (create), §5.2 (type 1 is the contact's primary company, one per
// contact), §5.3 (v4 batch create): the new company becomes each contact's primary
// one in two calls; an earlier primary company stays associated, unlabeled.
func TestCreateCompany(t *testing.T) {
	clk := newClock()
	fake := hubspottest.NewServer(hubspottest.Options{Clock: clk.Now, SearchPerSecond: -1, BurstLimit: -1})
	calls := &counter{next: fake, n: map[string]int{}}
	e := setupHandler(t, fake, calls, clk)
	old := fake.AddCompany(map[string]string{"name": "Old"})
	ann, bob := fake.AddContact(map[string]string{"email": "ann@new.example"}), fake.AddContact(map[string]string{"email": "bob@new.example"})
	fake.Associate(ann, old, true)

	id, err := e.client.CreateCompany(context.Background(), "contacts",
		map[string]string{"name": "New", "domain": "new.example", "industry": "COMPUTER_SOFTWARE"}, []string{ann, bob, ann})
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := fake.Company(id); !ok || c["name"] != "New" || c["domain"] != "new.example" || c["industry"] != "COMPUTER_SOFTWARE" {
		t.Errorf("company %s = %v", id, c)
	}
	want := map[string][]hubspottest.CompanyLink{ann: {{ID: old}, {ID: id, Primary: true}}, bob: {{ID: id, Primary: true}}}
	if diff := cmp.Diff(want, linksOf(fake, ann, bob)); diff != "" {
		t.Errorf("links (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]int{"POST /crm/v3/objects/companies": 1,
		"POST /crm/v4/associations/contacts/companies/batch/create": 1}, calls.counts()); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	got, err := e.client.CompaniesOf(context.Background(), "contacts", []string{ann, bob}, []string{"domain"})
	if err != nil || got[ann].ID != id || got[bob].ID != id {
		t.Errorf("CompaniesOf after create = %+v, %v", got, err)
	}
	if fake.CountCompanies() != 2 {
		t.Errorf("%d companies, want 2", fake.CountCompanies())
	}
}

// A refused create (bad option, no name or domain, reference §5.1, §7.3) creates
// nothing and links nothing; an object without companies is refused before any call.
func TestCreateCompanyRefused(t *testing.T) {
	clk := newClock()
	fake := hubspottest.NewServer(hubspottest.Options{Clock: clk.Now, SearchPerSecond: -1, BurstLimit: -1})
	calls := &counter{next: fake, n: map[string]int{}}
	e := setupHandler(t, fake, calls, clk)
	ann := fake.AddContact(map[string]string{"email": "ann@x.example"})
	tests := []struct {
		name, object string
		fields       map[string]string
		calls        int
	}{
		{"bad option", "contacts", map[string]string{"name": "X", "industry": "Technology"}, 1},
		{"no name or domain", "contacts", map[string]string{"city": "Rome"}, 1},
		{"no fields", "contacts", nil, 1},
		{"object without companies", "companies", map[string]string{"name": "X"}, 0},
	}
	for _, tt := range tests {
		calls.reset()
		id, err := e.client.CreateCompany(context.Background(), tt.object, tt.fields, []string{ann})
		if id != "" || crm.ClassOf(err) != crm.ClassInvalid {
			t.Errorf("%s: %q, %v (class %q), want invalid", tt.name, id, err, crm.ClassOf(err))
		}
		if n := calls.counts()["POST /crm/v3/objects/companies"]; n != tt.calls || len(calls.counts()) > tt.calls {
			t.Errorf("%s: calls %v", tt.name, calls.counts())
		}
	}
	if fake.CountCompanies() != 0 || len(fake.ContactCompanies(ann)) != 0 {
		t.Errorf("refused creates left %d companies, links %v", fake.CountCompanies(), fake.ContactCompanies(ann))
	}
}

// LinkCompany links whom it can and names whom it could not (reference §5.3: the v4
// batch create answers 207 for them); linking again changes nothing.
func TestLinkCompany(t *testing.T) {
	e := setup(t, hubspottest.Options{})
	f := e.fake
	acme := f.AddCompany(map[string]string{"name": "Acme", "domain": "acme.com"})
	ann, gone := f.AddContact(map[string]string{"email": "ann@acme.com"}), f.AddContact(map[string]string{"email": "gone@acme.com"})
	f.ArchiveContact(gone)
	err := e.client.LinkCompany(context.Background(), "contacts", acme, []string{ann, gone})
	if crm.ClassOf(err) != crm.ClassInvalid || !strings.Contains(err.Error(), gone) || strings.Contains(err.Error(), ann+",") {
		t.Errorf("link with a deleted contact: %v", err)
	}
	for range 2 {
		if got := f.ContactCompanies(ann); !slices.Equal(got, []hubspottest.CompanyLink{{ID: acme, Primary: true}}) {
			t.Errorf("ann's companies = %v", got)
		}
		if err := e.client.LinkCompany(context.Background(), "0-1", acme, []string{ann}); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.client.LinkCompany(context.Background(), "contacts", acme, nil); err != nil {
		t.Errorf("linking nobody: %v", err)
	}
}

// Leads have primary companies too (type 580, associations v4 guide).
func TestCreateCompanyForLeads(t *testing.T) {
	e := setup(t, hubspottest.Options{})
	contact := e.fake.AddContact(map[string]string{"email": "lea@x.example"})
	lead := e.fake.AddLead(contact, map[string]string{"hs_lead_name": "Lea"})
	id, err := e.client.CreateCompany(context.Background(), "leads", map[string]string{"domain": "x.example"}, []string{lead})
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.client.CompaniesOf(context.Background(), "leads", []string{lead}, []string{"domain"})
	if err != nil || got[lead].ID != id || got[lead].Fields["domain"] != "x.example" {
		t.Errorf("lead's company = %+v, %v", got, err)
	}
}
