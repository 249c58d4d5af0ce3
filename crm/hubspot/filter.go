package hubspot

import (
	"maps"
	"slices"
	"strings"

	"github.com/leadsync/leadsync/crm"
)

// localCheck is a filter condition that did not fit into the search's filter group
// and is applied to the fetched records instead.
type localCheck struct {
	field string
	want  string // "" means the field must be empty
}

// planFilters pushes the caller's filter into the search's single filter group
// (Missing → NOT_HAS_PROPERTY, Equals → EQ) as far as the group's filter limit
// allows, and keeps the rest as local checks. Conditions are taken in a fixed order
// so that the same request always builds the same query.
func (r *read) planFilters(f crm.Filter) {
	var conds []localCheck
	for _, m := range slices.Sorted(slices.Values(f.Missing)) {
		conds = append(conds, localCheck{field: m})
	}
	for _, k := range slices.Sorted(maps.Keys(f.Equals)) {
		conds = append(conds, localCheck{field: k, want: f.Equals[k]})
	}
	room := maxFiltersPerGroup - windowFilters
	for i, c := range conds {
		if i >= room {
			r.local = append(r.local, c)
			continue
		}
		if c.want == "" {
			r.pushed = append(r.pushed, filter{PropertyName: c.field, Operator: "NOT_HAS_PROPERTY"})
		} else {
			r.pushed = append(r.pushed, filter{PropertyName: c.field, Operator: "EQ", Value: c.want})
		}
	}
}

func (r *read) localFields() []string {
	out := make([]string, 0, len(r.local))
	for _, c := range r.local {
		out = append(out, c.field)
	}
	return out
}

// keep applies the local checks with HubSpot's own semantics: EQ ignores case for
// text values.
func (r *read) keep(_ crm.Record, o simpleObject) bool {
	for _, c := range r.local {
		v := o.prop(c.field)
		if c.want == "" && v != "" || c.want != "" && !strings.EqualFold(v, c.want) {
			return false
		}
	}
	return true
}
