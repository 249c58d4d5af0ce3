package sandbox

import (
	"maps"
	"slices"

	"github.com/leadsync/leadsync/crm/salesforce/salesforcetest"
	"github.com/leadsync/leadsync/lusha/lushatest"
)

// technologiesField is the Lead multi-select picklist the sandbox mapping fills with
// the company's technologies joined by ";" (salesforce-api.md §3.4). It is
// restricted to the technologies of the world's companies, so that every part of a
// value is checked against its options, as the org checks it (§4.6, §5.6), and every
// join the world yields is valid.
func technologiesField(w *lushatest.World) salesforcetest.Field {
	seen := map[string]bool{}
	for _, p := range w.People {
		for _, t := range p.Company.Technologies {
			seen[t] = true
		}
	}
	return salesforcetest.Field{Name: "Technologies__c", Label: "Technologies", Type: "multipicklist",
		Length: 4099, Restricted: true, Picklist: slices.Sorted(maps.Keys(seen))}
}
