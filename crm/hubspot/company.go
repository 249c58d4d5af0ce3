package hubspot

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/leadsync/leadsync/crm"
)

var _ crm.Companies = (*Client)(nil)

// companyObject is where HubSpot keeps company records.
const companyObject = "companies"

// CompanyObject is "companies": company pipelines read and write it through
// Changes, Write and Get like any object (its modification date is
// hs_lastmodifieddate, reference §11.1).
func (c *Client) CompanyObject() string { return companyObject }

// Company is the company a contact belongs to, as CompanyOf reads it.
type Company struct {
	ID     string
	Fields map[string]string
	// Primary is true when HubSpot labels it the contact's primary company; false
	// when the contact only has other associated companies and this is the oldest.
	Primary bool
}

// personLink is how records of a person object point at their companies: the v4
// association path's object and the HUBSPOT_DEFINED types (reference §5.2; the
// associations v4 guide's table for leads).
type personLink struct {
	object  string
	plain   int // the default (unlabeled) association
	primary int // the primary company label
}

var personLinks = map[string]personLink{
	"contacts": {object: "contacts", plain: 279, primary: 1},
	"leads":    {object: "leads", plain: 610, primary: 580},
}

// personLinkOf resolves a person object by name or type id (reference §1); ok is
// false for objects whose records have no company.
func personLinkOf(object string) (personLink, bool) {
	switch strings.ToLower(object) {
	case "contacts", "contact", "0-1":
		return personLinks["contacts"], true
	case "leads", "lead", "0-136":
		return personLinks["leads"], true
	}
	return personLink{}, false
}

// Association reads take 1,000 ids a call (reference §5.3).
const maxAssociationInputs = 1000

// CompaniesOf returns, by person id (contacts or leads), the company record it
// belongs to with the requested fields: its primary company, else the oldest
// associated one (lowest id). People without a company, unknown or archived, and
// objects whose records have no company, are absent.
//
// It costs one association read per 1,000 people, one more per 1,000 people whose
// companies did not fit one answer (HubSpot pages each person's associations), and
// one company read per 100 distinct companies; callers ask for a page of people at
// once.
func (c *Client) CompaniesOf(ctx context.Context, personObject string, ids, fields []string) (map[string]crm.Record, error) {
	link, ok := personLinkOf(personObject)
	if !ok {
		return map[string]crm.Record{}, nil
	}
	links, records, err := c.companiesOf(ctx, link, ids, fields)
	if err != nil {
		return nil, err
	}
	out := make(map[string]crm.Record, len(links))
	for person, co := range links {
		out[person] = records[co.ID]
	}
	return out, nil
}

// CompanyOf is CompaniesOf for contacts, saying whether each company is the
// contact's primary one.
func (c *Client) CompanyOf(ctx context.Context, contactIDs []string, fields ...string) (map[string]Company, error) {
	links, records, err := c.companiesOf(ctx, personLinks["contacts"], contactIDs, fields)
	if err != nil {
		return nil, err
	}
	for person, co := range links {
		co.Fields = records[co.ID].Fields
		links[person] = co
	}
	return links, nil
}

// companiesOf picks each person's company and reads those companies; people whose
// company is gone by the time it is read are dropped.
func (c *Client) companiesOf(ctx context.Context, link personLink, ids, fields []string) (map[string]Company, map[string]crm.Record, error) {
	links := map[string]Company{}
	for chunk := range slices.Chunk(dedupe(slices.Clone(ids)), maxAssociationInputs) {
		if err := c.readCompanyLinks(ctx, link, chunk, links); err != nil {
			return nil, nil, err
		}
	}
	var companyIDs []string
	for _, co := range links {
		companyIDs = append(companyIDs, co.ID)
	}
	slices.SortFunc(companyIDs, compareIDs)
	read, err := c.Get(ctx, companyObject, slices.Compact(companyIDs), fields)
	if err != nil {
		return nil, nil, err
	}
	records := make(map[string]crm.Record, len(read))
	for _, r := range read {
		records[r.ID] = r
	}
	for person, co := range links {
		if _, ok := records[co.ID]; !ok {
			delete(links, person) // archived between the two reads
		}
	}
	return links, records, nil
}

type assocBatchResponse struct {
	Results []struct {
		From struct {
			ID string `json:"id"`
		} `json:"from"`
		To []struct {
			// The spec says string; HubSpot's own guide shows a number.
			ToObjectID       json.RawMessage `json:"toObjectId"`
			AssociationTypes []assocTypeRef  `json:"associationTypes"`
		} `json:"to"`
		Paging *paging `json:"paging"`
	} `json:"results"`
}

type assocTypeRef struct {
	TypeID int `json:"typeId"`
}

// assocInput is one input of the v4 batch read; After continues the paging of that
// record's associations (spec: "The 'after' field in a returned paging object can be
// added alongside the 'id'").
type assocInput struct {
	ID    string `json:"id"`
	After string `json:"after,omitempty"`
}

// readCompanyLinks picks each person's company into into. A 207 lists people
// without any company as errors; they are simply absent. People whose companies did
// not fit one answer are asked again from where their paging left off, so that a
// primary company on a later page is not missed.
func (c *Client) readCompanyLinks(ctx context.Context, link personLink, ids []string, into map[string]Company) error {
	pending := make([]assocInput, len(ids))
	for i, id := range ids {
		pending[i] = assocInput{ID: id}
	}
	asked := map[assocInput]bool{}
	path := "/crm/v4/associations/" + link.object + "/companies/batch/read"
	for len(pending) > 0 {
		for _, in := range pending {
			if asked[in] {
				return &crm.Error{Service: service, Op: "read " + link.object + " companies", Class: crm.ClassUnavailable,
					Message: "association paging repeats itself for " + in.ID}
			}
			asked[in] = true
		}
		var resp assocBatchResponse
		if err := c.call(ctx, "read "+link.object+" companies", http.MethodPost, path,
			struct {
				Inputs []assocInput `json:"inputs"`
			}{pending}, &resp); err != nil {
			return err
		}
		pending = pending[:0]
		for _, r := range resp.Results {
			best := into[r.From.ID]
			for _, to := range r.To {
				best = better(best, to.ToObjectID, to.AssociationTypes, link.primary)
			}
			if best.ID != "" {
				into[r.From.ID] = best
			}
			if after, more := r.Paging.nextAfter(); more {
				pending = append(pending, assocInput{ID: r.From.ID, After: after})
			}
		}
	}
	return nil
}

// better keeps the primary company, else the one with the lowest id.
func better(best Company, rawID json.RawMessage, types []assocTypeRef, primaryType int) Company {
	id := strings.Trim(string(rawID), `"`)
	if _, err := strconv.ParseUint(id, 10, 64); err != nil {
		return best
	}
	primary := slices.ContainsFunc(types, func(t assocTypeRef) bool { return t.TypeID == primaryType })
	if best.ID == "" || primary && !best.Primary || primary == best.Primary && compareIDs(id, best.ID) < 0 {
		return Company{ID: id, Primary: primary}
	}
	return best
}

// compareIDs orders numeric ids by value.
func compareIDs(a, b string) int {
	x, y := parseID(a), parseID(b)
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return strings.Compare(a, b)
}
