package hubspottest

import (
	"cmp"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Association read limits. The batch read takes 1,000 ids (reference §5.3); a
// single record's read pages at 500 by default (§5.3, spec). How many associations
// one batch-read result holds before it pages is not documented (INFERENCE: the
// same 500; Options.AssociationPageSize changes it).
const (
	maxAssociationInputs    = 1000
	defaultAssociationLimit = 500
)

// associatedOut is MultiAssociatedObjectWithLabel; the spec types toObjectId as a
// string.
type associatedOut struct {
	ToObjectID       string      `json:"toObjectId"`
	AssociationTypes []assocType `json:"associationTypes"`
}

// assocResultOut is PublicAssociationMultiWithLabel: paging is per input, present
// only when that record has more associations (spec, batch read description).
type assocResultOut struct {
	From   objectIDOut     `json:"from"`
	To     []associatedOut `json:"to"`
	Paging *pagingOut      `json:"paging,omitempty"`
}

type objectIDOut struct {
	ID string `json:"id"`
}

// assocCursor is the paging token of association reads. HubSpot's is opaque; the
// captured ones are the URL-escaped base64 of "<toObjectTypeId>-<last id read>"
// ("MC0yLTc1MDI%3D" is "0-2-7502", hubspot-api-python#135), and the fake makes its
// own the same way (INFERENCE: not in the reference).
func assocCursor(to *objectType, last int64) string {
	return url.QueryEscape(base64.StdEncoding.EncodeToString([]byte(to.typeID + "-" + strconv.FormatInt(last, 10))))
}

// parseAssocCursor reads a token as sent back, escaped or not; "" starts at the
// beginning.
func parseAssocCursor(to *objectType, token string) (int64, bool) {
	if token == "" {
		return 0, true
	}
	if u, err := url.QueryUnescape(token); err == nil {
		token = u
	}
	raw, err := base64.StdEncoding.DecodeString(token)
	if err != nil {
		return 0, false
	}
	rest, ok := strings.CutPrefix(string(raw), to.typeID+"-")
	n, err := strconv.ParseInt(rest, 10, 64)
	return n, ok && err == nil
}

// assocPage is one page of a live record's associations with live records of to, by
// ascending id after the cursor's id, and the next page's token when more follow.
func (s *Server) assocPage(from *objectType, fromID int64, to *objectType, after int64, limit int) ([]associatedOut, string) {
	links := slices.Clone(s.assoc[assocKey{from.name, fromID, to.name}])
	links = slices.DeleteFunc(links, func(l assocLink) bool {
		t := to.records[l.to]
		return l.to <= after || t == nil || t.archived || len(l.types) == 0
	})
	slices.SortFunc(links, func(a, b assocLink) int { return cmp.Compare(a.to, b.to) })
	out := []associatedOut{}
	for _, l := range links[:min(limit, len(links))] {
		out = append(out, associatedOut{ToObjectID: strconv.FormatInt(l.to, 10), AssociationTypes: slices.Clone(l.types)})
	}
	if len(links) > limit {
		return out, assocCursor(to, links[limit-1].to)
	}
	return out, ""
}

// assocObjects resolves the two object types of an association path; nil, after a
// 400, when the fake has no such type.
func (s *Server) assocObjects(w http.ResponseWriter, from, to string) (*objectType, *objectType) {
	f, t := s.objectNamed(from), s.objectNamed(to)
	if f == nil || t == nil {
		validationError(w, "Unable to infer object type from: "+from+" / "+to)
		return nil, nil
	}
	return f, t
}

// assocBatch reads an association batch call: the path's object types and at most
// limit inputs; false after answering 400.
func assocBatch[T any](s *Server, w http.ResponseWriter, r *http.Request, limit int) (from, to *objectType, inputs []T, ok bool) {
	if from, to = s.assocObjects(w, r.PathValue("fromObjectType"), r.PathValue("toObjectType")); from == nil {
		return nil, nil, nil, false
	}
	inputs, ok = decodeInputs[T](w, r, limit)
	return from, to, inputs, ok
}

// batchReadAssociations serves POST /crm/v4/associations/{from}/{to}/batch/read:
// 207 with one NO_ASSOCIATIONS_FOUND error per input without associations; an
// input's "after" continues its paging.
func (s *Server) batchReadAssociations(w http.ResponseWriter, r *http.Request) {
	from, to, inputs, ok := assocBatch[struct {
		ID    string `json:"id"`
		After string `json:"after"`
	}](s, w, r, maxAssociationInputs)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := newAssocBatch[assocResultOut](s)
	for _, input := range inputs {
		after, ok := parseAssocCursor(to, input.After)
		if !ok {
			validationError(w, "Invalid paging cursor for "+input.ID+": "+input.After)
			return
		}
		res := assocResultOut{From: objectIDOut{input.ID}}
		if c := from.live(input.ID); c != nil {
			var next string
			if res.To, next = s.assocPage(from, c.id, to, after, s.assocPageSize()); next != "" {
				res.Paging = &pagingOut{Next: nextPage{After: next}}
			}
		}
		if len(res.To) == 0 {
			out.Errors = append(out.Errors, standardErr{Status: "error", Category: "OBJECT_NOT_FOUND",
				// The real answer's subCategory (crm.associations.NO_ASSOCIATIONS_FOUND) is
				// a string where the spec declares an object; it is left out.
				Message: fmt.Sprintf("No %s is associated with %s %s.", strings.ToLower(to.label), strings.ToLower(from.label), input.ID),
				Context: map[string][]string{"fromObjectId": {input.ID}}, Errors: []errorDetail{}, Links: map[string]string{}})
			continue
		}
		out.Results = append(out.Results, res)
	}
	out.send(w, http.StatusOK, http.StatusMultiStatus)
}

func (s *Server) assocPageSize() int {
	if s.opts.AssociationPageSize > 0 {
		return s.opts.AssociationPageSize
	}
	return defaultAssociationLimit
}

// listAssociations serves GET /crm/v4/objects/{objectType}/{objectId}/associations/{toObjectType}:
// limit (default 500; INFERENCE: a larger one is clamped to 500) and after.
func (s *Server) listAssociations(w http.ResponseWriter, r *http.Request) {
	from, to := s.assocObjects(w, r.PathValue("objectType"), r.PathValue("toObjectType"))
	if from == nil {
		return
	}
	q := r.URL.Query()
	limit := defaultAssociationLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			validationError(w, "limit must be a positive integer, got "+strconv.Quote(v))
			return
		}
		limit = min(n, defaultAssociationLimit)
	}
	after, ok := parseAssocCursor(to, q.Get("after"))
	if !ok {
		validationError(w, "Invalid paging cursor: "+q.Get("after"))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := from.live(r.PathValue("objectId"))
	if c == nil {
		writeError(w, http.StatusNotFound, apiError{Category: "OBJECT_NOT_FOUND", Message: "resource not found",
			Context: map[string][]string{"id": {r.PathValue("objectId")}}})
		return
	}
	out := struct {
		Results []associatedOut `json:"results"`
		Paging  *pagingOut      `json:"paging,omitempty"`
	}{}
	var next string
	if out.Results, next = s.assocPage(from, c.id, to, after, limit); next != "" {
		unescaped, _ := url.QueryUnescape(next)
		q.Set("after", unescaped)
		out.Paging = &pagingOut{Next: nextPage{After: next, Link: baseURL(r) + r.URL.Path + "?" + q.Encode()}}
	}
	writeJSON(w, http.StatusOK, out)
}
