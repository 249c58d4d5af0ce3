package connector

import (
	"testing"

	"github.com/leadsync/leadsync/connector/config"
	"github.com/leadsync/leadsync/crm/hubspot/hubspottest"
	"github.com/leadsync/leadsync/lusha/lushatest"
)

// everythingMapping needs every data point and the company: contacts are bought with
// search-and-enrich, whose price is only known after the call.
const everythingMapping = `object: contacts
match: { email: email, firstName: firstname, lastName: lastname, companyDomain: { from: website, transform: domain } }
fields:
  jobtitle: { from: contact.jobTitle.title }
  phone: { from: "contact.phones[0].number", transform: e164 }
  lusha_email: { from: "contact.emails[0].email" }
  industry: { from: company.industry }
  lusha_enriched_at: { value: $now, policy: overwrite }
`

// Budgets reserve at the account's prices (issue 13, Lusha 3; reference §4, §5.15):
// with phones at 9 credits and companies at 4, above the list's 5 and 1, no run spends
// more than credits_per_run, and every lead is bought in the end.
func TestBudgetsReserveAtTheAccountsPrices(t *testing.T) {
	const perRun = 40
	h := newHarness(t, 60, everythingMapping, harnessOptions{budget: config.Budget{CreditsPerRun: perRun}})
	h.hub.DefineProperty(hubspottest.Property{Name: "lusha_email", Type: "string", FieldType: "text", GroupName: "contactinformation"})
	h.lusha.SetPricing(lushatest.Pricing{RevealEmail: 1, RevealPhone: 9, RevealCompany: 4, RevealCompanyField: 1,
		Search: 1, SearchBlock: 25})
	for i := 0; ; i++ {
		if i == 60 {
			t.Fatal("60 runs did not enrich every lead")
		}
		before := h.lusha.CreditsUsed()
		sum := h.run(RunOptions{})
		spent := h.lusha.CreditsUsed() - before
		if spent > perRun || sum.CreditsSpent != spent {
			t.Fatalf("run %d spent %d (says %d), budget %d", i, spent, sum.CreditsSpent, perRun)
		}
		if sum.Status == RunOK {
			break
		}
		if sum.Status != RunCreditsExhausted {
			t.Fatalf("run %d: status %s: %s", i, sum.Status, sum.Error)
		}
	}
	for _, id := range h.ids {
		c, _ := h.hub.Contact(id)
		if p := h.person[id]; p.Known && !p.Restricted && (c["lusha_email"] == "" || c["industry"] == "") {
			t.Errorf("contact %s never fully enriched: %v", id, c)
		}
	}
}
