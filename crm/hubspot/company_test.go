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
