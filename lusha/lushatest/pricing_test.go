package lushatest

import (
	"testing"

	"github.com/leadsync/leadsync/lusha"
)

// The price list is the account's (§4: the keys of `pricing` are the action names;
// §5.15), and the calls are billed by it.
func TestUsageServesTheConfiguredPricing(t *testing.T) {
	w := NewWorld(5, 400)
	pricing := Pricing{RevealEmail: 2, RevealPhone: 7, RevealCompany: 3, Search: 2, SearchBlock: 10}
	srv := NewTestServer(t, w, Options{Pricing: pricing})
	c := srv.Client()
	u, _, err := c.AccountUsage(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]lusha.PricingEntry{lusha.ActionRevealEmail: {Credits: 2, PerQuantity: 1},
		lusha.ActionRevealPhone: {Credits: 7, PerQuantity: 1}, lusha.ActionRevealCompany: {Credits: 3, PerQuantity: 1},
		lusha.ActionSearch: {Credits: 2, PerQuantity: 10}}
	for action, entry := range want {
		if u.Pricing[action] != entry {
			t.Errorf("pricing[%s] = %+v, want %+v", action, u.Pricing[action], entry)
		}
	}
	p := pick(t, w, "known person with phones", knownWithPhones)
	er, _, err := c.EnrichContacts(t.Context(), lusha.ContactsEnrichRequest{IDs: []string{p.ID}})
	if err != nil || er.Billing.CreditsCharged != 9 {
		t.Errorf("enrich of emails and phones = %+v, %v; want 2+7 credits", er, err)
	}
	srv.SetPricing(Pricing{RevealEmail: 1, RevealPhone: 4, RevealCompany: 1, Search: 1, SearchBlock: 25})
	if u, _, _ = c.AccountUsage(t.Context()); u.Pricing[lusha.ActionRevealPhone].Credits != 4 {
		t.Errorf("after SetPricing the usage answer says phones cost %v", u.Pricing[lusha.ActionRevealPhone])
	}
}
