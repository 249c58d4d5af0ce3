package connector

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/leadsync/leadsync/connector/run"
	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/salesforce"
	"github.com/leadsync/leadsync/crm/salesforce/salesforcetest"
	"github.com/leadsync/leadsync/mapping"
)

const accountMappingYAML = `object: Account
match: { companyDomain: { from: Website, transform: domain }, companyName: Name }
fields:
  Description: { from: company.description }
  NumberOfEmployees: { from: company.employeeCount.exact }
`

// salesforceOrg points the harness's pipeline at a fake Salesforce org of object,
// with the Account mapping as its company_record; the org's clock stands still and
// the adapter's is a minute on, so that every record is settled for the read.
func (h *harness) salesforceOrg(object, mappingYAML string) *salesforcetest.Server {
	h.t.Helper()
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	org := salesforcetest.NewServer(salesforcetest.Options{Clock: func() time.Time { return t0 }})
	srv := httptest.NewServer(org)
	h.t.Cleanup(srv.Close)
	adapter, err := salesforce.New(salesforce.Config{LoginURL: srv.URL, ClientID: org.ClientID(), ClientSecret: org.ClientSecret()},
		salesforce.WithSettleLag(0), salesforce.WithClock(func() time.Time { return t0.Add(time.Minute) }))
	if err != nil {
		h.t.Fatal(err)
	}
	m, err := mapping.Parse("accounts.yaml", []byte(accountMappingYAML), mapping.Options{Schema: AnswerSchema()})
	if err != nil {
		h.t.Fatal(err)
	}
	h.remap(mappingYAML)
	h.pipe.CRM, h.pipe.Object = adapter, object
	h.pipe.Filter = crm.Filter{Missing: []string{"Title"}}
	h.pipe.Companies = &run.CompanyRecord{Mapping: m}
	return org
}

// TestSalesforceContactsWriteTheirAccountOnce: the Contacts of one Account, through
// the real adapter, write their Account once.
func TestSalesforceContactsWriteTheirAccountOnce(t *testing.T) {
	h := newHarness(t, 30, previewMapping, harnessOptions{})
	org := h.salesforceOrg("Contact", `object: Contact
match: { email: Email, firstName: FirstName, lastName: LastName }
fields:
  Title: { from: contact.jobTitle.title }
`)
	co := &h.world.Companies[0]
	account := org.AddAccount(map[string]string{"Name": co.Name, "Website": co.EmailDomain, "NumberOfEmployees": "12"})
	n := 0
	for i := range h.world.People {
		if p := &h.world.People[i]; p.Known && !p.Restricted && n < 8 {
			p.Company = co
			org.AddContactTo(account, map[string]string{"FirstName": p.FirstName, "LastName": p.LastName, "Email": p.Email})
			n++
		}
	}
	sum := h.run(RunOptions{})
	if sum.Companies == nil || sum.Companies.Object != "Account" || sum.Companies.RecordsWritten != 1 {
		t.Fatalf("company summary %+v; want one Account written", sum.Companies)
	}
	got := org.Account(account)
	if got["Description"] == "" || got["NumberOfEmployees"] != "12" {
		t.Errorf("account %v; want Description written and the typed NumberOfEmployees kept", got)
	}
	if calls, companies, _ := h.companyCharges(); calls != 1 || companies != 1 {
		t.Errorf("Lusha billed %d company reveals in %d calls; want one", companies, calls)
	}
}

// TestSalesforceLeadWritesNoAccount: a Lead has no Account until it is converted, so
// a Lead pipeline's company_record writes none (and creates none); the Lead's own
// company fields, in its mapping, hold the firmographics.
func TestSalesforceLeadWritesNoAccount(t *testing.T) {
	h := newHarness(t, 20, previewMapping, harnessOptions{})
	org := h.salesforceOrg("Lead", `object: Lead
match: { email: Email, firstName: FirstName, lastName: LastName }
fields:
  Title: { from: contact.jobTitle.title }
  Industry: { from: company.industry }
`)
	co := &h.world.Companies[0]
	account := org.AddAccount(map[string]string{"Name": co.Name, "Website": co.EmailDomain})
	for _, p := range h.world.People {
		org.AddLead(map[string]string{"FirstName": p.FirstName, "LastName": p.LastName, "Email": p.Email,
			"Company": p.Company.Name, "Website": p.Company.EmailDomain})
	}
	sum := h.run(RunOptions{})
	if sum.RecordsWritten == 0 {
		t.Fatalf("no lead written: %+v", sum)
	}
	if c := sum.Companies; c == nil || c.RecordsWritten != 0 || c.Created != 0 {
		t.Errorf("company summary %+v; want nothing written to an Account", c)
	}
	if got := org.Account(account); got["Description"] != "" || org.AccountCount() != 1 {
		t.Errorf("an Account was written or created: %v, %d accounts", got, org.AccountCount())
	}
}
