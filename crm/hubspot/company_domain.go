package hubspot

import (
	"context"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/leadsync/leadsync/crm"
)

// Bounds of one search by domain. HubSpot documents no cap on an IN filter's
// values; its search guide says a request "body" over 3,000 characters is refused,
// which reference §4.1 reads as the query's limit. Each search stays well under
// both readings (INFERENCE).
const (
	maxDomainsPerSearch = 100
	maxDomainBytes      = 2000
)

// CompaniesByDomain returns existing companies by their domain property, with the
// requested fields; domains without a company are absent. Domains are matched
// exactly, as bare lowercase names ("acme.com"): the search's IN filter needs
// lowercase values for text properties and compares them with the stored value
// lowercased (reference §4.1). Results are keyed by the domains as given. When
// several companies share a domain, the oldest (creation date, then id) is
// returned.
//
// It costs one search per 100 domains (more when one search holds over 200
// companies), paced with the other searches of the account (5 a second). Search is
// eventually consistent (reference §4.1): a company created a few seconds ago may
// not be found yet, so a caller that creates missing companies must remember what
// it created rather than search for it again at once.
func (c *Client) CompaniesByDomain(ctx context.Context, domains, fields []string) (map[string]crm.Record, error) {
	given := map[string][]string{} // lowercase domain → the spellings asked for
	for _, d := range domains {
		if k := strings.ToLower(strings.TrimSpace(d)); k != "" && !slices.Contains(given[k], d) {
			given[k] = append(given[k], d)
		}
	}
	props := dedupe(append(slices.Clone(fields), "domain", "createdate", "hs_lastmodifieddate", "hs_object_id", "hs_merged_object_ids"))
	oldest := map[string]simpleObject{}
	for _, chunk := range domainChunks(slices.Sorted(maps.Keys(given))) {
		if err := c.searchDomains(ctx, chunk, props, oldest); err != nil {
			return nil, err
		}
	}
	r := &read{fields: slices.Clone(fields), modifiedProp: modifiedProperty(companyObject)}
	out := map[string]crm.Record{}
	for k, o := range oldest {
		for _, d := range given[k] {
			out[d] = r.record(o.ID, o)
		}
	}
	return out, nil
}

// domainChunks splits sorted domains into the searches' IN lists.
func domainChunks(domains []string) [][]string {
	var out [][]string
	var cur []string
	size := 0
	for _, d := range domains {
		if len(cur) == maxDomainsPerSearch || len(cur) > 0 && size+len(d) > maxDomainBytes {
			out, cur, size = append(out, cur), nil, 0
		}
		cur, size = append(cur, d), size+len(d)+3 // quotes and comma
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// searchDomains reads every company whose domain is one of domains, by ascending
// hs_object_id from the last id read (as Changes does, so that a large answer never
// pages deep), and keeps the oldest per domain.
func (c *Client) searchDomains(ctx context.Context, domains, props []string, oldest map[string]simpleObject) error {
	const op = "search companies by domain"
	lastID, after := "0", ""
	for {
		req := searchRequest{
			FilterGroups: []filterGroup{{Filters: []filter{
				{PropertyName: "domain", Operator: "IN", Values: domains},
				{PropertyName: "hs_object_id", Operator: "GT", Value: lastID},
			}}},
			Sorts: []string{"hs_object_id"}, Properties: props, Limit: maxSearchLimit, After: cmpOrString(after, "0"),
		}
		var resp searchResponse
		if err := c.call(ctx, op, http.MethodPost, "/crm/v3/objects/companies/search", req, &resp); err != nil {
			return err
		}
		maxID := lastID
		for _, o := range resp.Results {
			id := cmpOrString(o.ID, o.prop("hs_object_id"))
			o.ID = id
			if k := strings.ToLower(o.prop("domain")); slices.Contains(domains, k) {
				if prev, ok := oldest[k]; !ok || olderThan(o, prev) {
					oldest[k] = o
				}
			}
			if compareIDs(id, maxID) > 0 {
				maxID = id
			}
		}
		var done bool
		var err error
		if lastID, after, done, err = keysetStep(op, resp, lastID, maxID, maxSearchLimit); err != nil || done {
			return err
		}
	}
}

// olderThan orders companies by creation date, then id; HubSpot does not promise
// that ids grow with time (reference §11.4).
func olderThan(a, b simpleObject) bool {
	ta, tb := createdAt(a), createdAt(b)
	if !ta.Equal(tb) {
		return ta.Before(tb)
	}
	return compareIDs(a.ID, b.ID) < 0
}

func createdAt(o simpleObject) time.Time {
	if t, ok := parseTime(o.prop("createdate")); ok {
		return t
	}
	t, _ := parseTime(o.CreatedAt)
	return t
}
