package hubspottest

import (
	"net/http"
	"net/url"
	"strconv"
)

// List paging (reference §4, §4.0): limit defaults to 10 and is at most 100; after is
// the id of the next record; results come in ascending id order.
const (
	defaultListLimit = 10
	maxListLimit     = 100
)

// listOut is CollectionResponseSimplePublicObjectWithAssociationsForwardPaging.
type listOut struct {
	Results []objectOut `json:"results"`
	Paging  *pagingOut  `json:"paging,omitempty"`
}

// listObjects serves GET /crm/v3/objects/{objectType}, the getPage call of every
// official client (reference §4.0, §10.2): limit, after, properties (repeated or
// comma-separated) and archived, which lists only archived records: those still in
// the recycle bin (90 days), each with archivedAt.
func (s *Server) listObjects(w http.ResponseWriter, r *http.Request, o *objectType) {
	q := r.URL.Query()
	limit, after, archived, msg := listParams(q)
	if msg != "" {
		validationError(w, msg)
		return
	}
	requested := queryList(r, "properties")
	if len(requested) == 0 {
		requested = o.defaultSearch
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := listOut{Results: []objectOut{}}
	now := s.now()
	for _, id := range o.ids {
		c := o.records[id]
		// Merged-away records are not in the recycle bin: their ids read as the
		// merged record (reference §4.6), so neither list shows them.
		if id < after || c.mergedInto != 0 || c.archived != archived || (archived && !c.inRecycleBin(now)) {
			continue
		}
		if len(out.Results) == limit {
			next := strconv.FormatInt(id, 10)
			q.Set("after", next)
			out.Paging = &pagingOut{Next: nextPage{After: next, Link: baseURL(r) + r.URL.Path + "?" + q.Encode()}}
			break
		}
		obj := o.render(c.props, requested)
		if c.archived {
			obj.Archived, obj.ArchivedAt = true, formatTime(c.archivedAt)
		}
		out.Results = append(out.Results, obj)
	}
	writeJSON(w, http.StatusOK, out)
}

// listParams reads limit, after and archived; msg says what is wrong with them. A
// limit above the maximum is clamped (INFERENCE: whether HubSpot clamps or refuses is
// open, reference §13.2).
func listParams(q url.Values) (limit int, after int64, archived bool, msg string) {
	limit = defaultListLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return 0, 0, false, "limit must be a positive integer, got " + strconv.Quote(v)
		}
		limit = min(n, maxListLimit)
	}
	if v := q.Get("after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, 0, false, "after must be the paging cursor of a previous page, got " + strconv.Quote(v)
		}
		after = n
	}
	if v := q.Get("archived"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return 0, 0, false, "archived must be true or false, got " + strconv.Quote(v)
		}
		archived = b
	}
	return limit, after, archived, ""
}

// baseURL is the scheme and host the request reached the fake by, for paging links.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
