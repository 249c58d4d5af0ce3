package hubspottest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Search limits (reference §4.1; the newest guide's figures).
const (
	maxFilterGroups    = 5
	maxFiltersPerGroup = 6
	maxFiltersTotal    = 18
	maxSearchLimit     = 200
	defaultSearchLimit = 10
	maxSearchResults   = 10000
	maxQueryLength     = 3000
)

// queryProperties are what the free-text query searches, by object ("default
// searchable properties", CRM search guide; reference §4.1 lists the contacts' — the
// fake defines no fax, hs_additional_emails or hs_marketable_until_renewal).
var queryProperties = map[string][]string{
	"contacts":  {"firstname", "lastname", "email", "phone", "mobilephone", "company"},
	"companies": {"website", "phone", "name", "domain"},
}

type searchIn struct {
	FilterGroups []struct {
		Filters []filterIn `json:"filters"`
	} `json:"filterGroups"`
	Sorts      []json.RawMessage `json:"sorts"`
	Properties []string          `json:"properties"`
	Limit      json.RawMessage   `json:"limit"`
	After      json.RawMessage   `json:"after"`
	Query      string            `json:"query"`
}

// filterIn accepts values as strings or JSON numbers, as clients send both.
type filterIn struct {
	PropertyName string            `json:"propertyName"`
	Operator     string            `json:"operator"`
	Value        json.RawMessage   `json:"value"`
	HighValue    json.RawMessage   `json:"highValue"`
	Values       []json.RawMessage `json:"values"`

	// The values as text, decoded once per search rather than once per record.
	value, high string
	values      []string
}

// prepare decodes the filters' values.
func (in *searchIn) prepare() {
	for gi := range in.FilterGroups {
		for fi := range in.FilterGroups[gi].Filters {
			f := &in.FilterGroups[gi].Filters[fi]
			f.value, f.high = rawString(f.Value), rawString(f.HighValue)
			f.values = make([]string, len(f.Values))
			for i, raw := range f.Values {
				f.values[i] = rawString(raw)
			}
		}
	}
}

type sortRule struct {
	property   string
	descending bool
}

type searchOut struct {
	Total   int         `json:"total"`
	Results []objectOut `json:"results"`
	Paging  *pagingOut  `json:"paging,omitempty"`
}

type pagingOut struct {
	Next nextPage `json:"next"`
}

// nextPage is NextPage: search answers carry no link (reference §4.1), lists do.
type nextPage struct {
	After string `json:"after"`
	Link  string `json:"link,omitempty"`
}

func (s *Server) search(w http.ResponseWriter, r *http.Request, o *objectType) {
	var in searchIn
	if !decode(w, r, &in) {
		return
	}
	limit, after, sort, msg := checkSearch(in)
	if msg != "" {
		validationError(w, msg)
		return
	}
	in.prepare()
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	var hits []map[string]string
	for _, id := range o.ids {
		v, ok := o.records[id].searchable(now)
		if ok && !v.archived && o.matches(v.props, in) {
			hits = append(hits, v.props)
		}
	}
	// Hits come in id order; sorting by id again is what most syncs ask for and
	// would only cost time.
	if sort.property == "hs_object_id" && sort.descending {
		slices.Reverse(hits)
	} else if sort.property != "" && sort.property != "hs_object_id" {
		slices.SortStableFunc(hits, func(a, b map[string]string) int { return o.order(sort, a, b) })
	}
	properties := in.Properties
	if len(properties) == 0 {
		properties = o.defaultSearch
	}
	out := searchOut{Total: len(hits), Results: []objectOut{}}
	for _, props := range hits[min(after, len(hits)):min(after+limit, len(hits))] {
		out.Results = append(out.Results, o.render(props, properties))
	}
	if after+limit < len(hits) {
		// HubSpot hands out the next offset even when it is past the cap it enforces.
		out.Paging = &pagingOut{}
		out.Paging.Next.After = strconv.Itoa(after + limit)
	}
	writeJSON(w, http.StatusOK, out)
}

// checkSearch applies the request limits; msg is the 400's message when one is broken.
func checkSearch(in searchIn) (limit, after int, sort sortRule, msg string) {
	total := 0
	if len(in.FilterGroups) > maxFilterGroups {
		return 0, 0, sort, fmt.Sprintf("Too many filter groups (%d). The maximum is %d.", len(in.FilterGroups), maxFilterGroups)
	}
	for _, g := range in.FilterGroups {
		if len(g.Filters) > maxFiltersPerGroup {
			return 0, 0, sort, fmt.Sprintf("Too many filters in a group (%d). The maximum is %d.", len(g.Filters), maxFiltersPerGroup)
		}
		total += len(g.Filters)
		for _, f := range g.Filters {
			if !knownOperator(f.Operator) {
				return 0, 0, sort, fmt.Sprintf("Unknown filter operator %q for property %q", f.Operator, f.PropertyName)
			}
		}
	}
	if total > maxFiltersTotal {
		return 0, 0, sort, fmt.Sprintf("Too many filters (%d). The maximum is %d.", total, maxFiltersTotal)
	}
	if len(in.Query) > maxQueryLength {
		return 0, 0, sort, fmt.Sprintf("The query is longer than %d characters", maxQueryLength)
	}
	limit, err := rawInt(in.Limit, defaultSearchLimit)
	if err != nil || limit < 0 || limit > maxSearchLimit {
		return 0, 0, sort, fmt.Sprintf("limit must be between 0 and %d", maxSearchLimit)
	}
	if limit == 0 {
		limit = defaultSearchLimit
	}
	after, err = rawInt(in.After, 0)
	if err != nil || after < 0 {
		return 0, 0, sort, "You must format the value in the after parameter as an integer"
	}
	if after >= maxSearchResults {
		return 0, 0, sort, fmt.Sprintf("Paging beyond %d results is not supported (after=%d)", maxSearchResults, after)
	}
	if len(in.Sorts) > 0 {
		// Only one sort rule is applied; the others are ignored.
		sort, err = parseSort(in.Sorts[0])
		if err != nil {
			return 0, 0, sort, "Invalid sort: " + err.Error()
		}
	}
	return limit, after, sort, ""
}

// parseSort reads {"propertyName","direction"} or the string forms "prop" / "-prop".
func parseSort(raw json.RawMessage) (sortRule, error) {
	var str string
	if json.Unmarshal(raw, &str) == nil {
		name, desc := strings.CutPrefix(str, "-")
		return sortRule{property: name, descending: desc}, nil
	}
	var obj struct {
		PropertyName string `json:"propertyName"`
		Direction    string `json:"direction"`
	}
	if err := json.Unmarshal(raw, &obj); err != nil {
		return sortRule{}, err
	}
	return sortRule{property: obj.PropertyName, descending: strings.EqualFold(obj.Direction, "DESCENDING")}, nil
}

// rawString reads a JSON string, number or boolean as text; null and absent are "".
func rawString(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

func rawInt(raw json.RawMessage, def int) (int, error) {
	s := rawString(raw)
	if s == "" {
		return def, nil
	}
	return strconv.Atoi(s)
}

// order compares two hits by the sort rule: typed, empty values last, creation order
// on ties.
func (o *objectType) order(rule sortRule, a, b map[string]string) int {
	av, aok := a[rule.property]
	bv, bok := b[rule.property]
	switch {
	case !aok && !bok:
		return 0
	case !aok:
		return 1
	case !bok:
		return -1
	}
	c, ok := o.compare(rule.property, av, bv)
	if !ok {
		c = strings.Compare(strings.ToLower(av), strings.ToLower(bv))
	}
	if rule.descending {
		return -c
	}
	return c
}
