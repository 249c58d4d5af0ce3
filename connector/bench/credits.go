package bench

import (
	"cmp"
	"slices"
	"strings"

	"github.com/leadsync/leadsync/lusha/lushatest"
)

// Credits compares what the sync paid Lusha with what the fields it wrote strictly
// needed.
type Credits struct {
	Spent int `json:"spent"`
	// SpentBy is the fake's ledger summed by endpoint.
	SpentBy map[string]int `json:"spent_by_endpoint"`
	Needed  int            `json:"needed"`
	// The parts of Needed: searches (1 per started 25 matched results of each call of
	// 100 records, in the CRM's order), phone reveals of people whose phone fields were
	// written, and one company answer per company whose fields were written.
	NeededSearch    int `json:"needed_search"`
	NeededPhones    int `json:"needed_phones"`
	NeededCompanies int `json:"needed_companies"`
	// BoughtTwice counts the people and companies the fake charged for again, by
	// endpoint: whatever Needed says, each is a credit paid twice.
	BoughtTwice int `json:"bought_twice"`
}

// credits reads the fake's ledger and computes, from the world and the CRM's final
// state, the credits strictly needed (as connector/credits_test.go does).
func (f *fakes) credits() Credits {
	c := spentCredits(f.lusha)
	c.NeededSearch = searchNeeded(f.ids, f.person)
	phones, companies := map[string]bool{}, map[string]bool{}
	f.revealed(phones, companies)
	c.needReveals(len(phones), len(companies))
	return c
}

// spentCredits sums the fake Lusha's ledger.
func spentCredits(l *lushatest.Server) Credits {
	c := Credits{SpentBy: map[string]int{}}
	bought := map[[2]string]bool{}
	for _, ch := range l.Charges() {
		c.Spent += ch.Credits
		c.SpentBy[ch.Endpoint] += ch.Credits
		for _, it := range ch.Items {
			k := [2]string{ch.Endpoint, it.ID}
			if bought[k] && it.Credits > 0 {
				c.BoughtTwice++
			}
			bought[k] = true
		}
	}
	return c
}

// searchNeeded is what searching ids in calls of 100, in that order, costs. Every
// seeded record leaves some mapped field empty, so every one is searched: a search is
// billed per call for its matched results.
func searchNeeded(ids []string, person map[string]*lushatest.Person) int {
	n := 0
	for chunk := range slices.Chunk(ids, 100) {
		matched := 0
		for _, id := range chunk {
			if p := person[id]; p.Known && !p.Restricted {
				matched++
			}
		}
		n += pricing.Search * ((matched + pricing.SearchBlock - 1) / pricing.SearchBlock)
	}
	return n
}

// needReveals adds the reveals of phones and companies to what c needed.
func (c *Credits) needReveals(phones, companies int) {
	c.NeededPhones = phones * pricing.RevealPhone
	c.NeededCompanies = companies * pricing.RevealCompany
	c.Needed = c.NeededSearch + c.NeededPhones + c.NeededCompanies
}

// revealed adds to phones and companies the people and companies whose paid data the
// sync wrote into this CRM.
//
// Reveals are paid once per Lusha person: two records that Lusha matched to one
// person (a record known only by name and company) need one reveal. The first
// number, which `phone` holds and no one types by hand, with the name and company
// that matched, identifies the person revealed. The pair of both phone fields did
// not, when one of the two records had a hand-typed mobile number and the other not;
// the number alone did not either: the world of 30,000 gives two people one number.
func (f *fakes) revealed(phones, companies map[string]bool) {
	after := f.crm.records()
	n := f.spec.fields
	for _, id := range f.ids {
		if r := after[id]; f.wrote(id, r, f.spec.phoneFields()) {
			key := strings.Join([]string{cmp.Or(r[n.Phone], r[n.Mobile]), r[n.FirstName], r[n.LastName], r[n.Company]}, "\x00")
			phones[strings.ToLower(key)] = true
		}
		if f.wrote(id, after[id], f.spec.companyFields()) {
			companies[f.person[id].Company.ID] = true
		}
	}
}

// wrote reports whether the sync wrote a value into one of fields of record id: the
// field now holds a value the seed did not put there.
func (f *fakes) wrote(id string, now map[string]string, fields []string) bool {
	for _, field := range fields {
		if v := now[field]; v != "" && v != f.hand[id][field] {
			return true
		}
	}
	return false
}
