package hubspot

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Company is the company a contact belongs to, as CompanyOf reads it.
type Company struct {
	ID     string
	Fields map[string]string
	// Primary is true when HubSpot labels it the contact's primary company; false
	// when the contact only has other associated companies and this is the oldest.
	Primary bool
}

// Association type of a contact's primary company (HUBSPOT_DEFINED, reference §5.2).
const primaryCompanyType = 1

// Batch caps: association reads take 1,000 ids, object reads 100.
const maxAssociationInputs = 1000

// CompanyOf returns, by contact id, each contact's company (the primary one, else
// the oldest associated) with the requested company properties. Contacts without a
// company, unknown or archived, are absent from the map. It costs one association
// read per 1,000 contacts and one company read per 100 companies, so callers should
// ask for a page of contacts at once; pipelines use it for firmographics when their
// mapping reads company fields.
func (c *Client) CompanyOf(ctx context.Context, contactIDs []string, fields ...string) (map[string]Company, error) {
	companyOf := map[string]Company{}
	for chunk := range slices.Chunk(dedupe(slices.Clone(contactIDs)), maxAssociationInputs) {
		if err := c.readCompanyLinks(ctx, chunk, companyOf); err != nil {
			return nil, err
		}
	}
	var companyIDs []string
	for _, co := range companyOf {
		companyIDs = append(companyIDs, co.ID)
	}
	slices.SortFunc(companyIDs, func(a, b string) int { return compareIDs(a, b) })
	companies := map[string]map[string]string{}
	for chunk := range slices.Chunk(slices.Compact(companyIDs), batchSize) {
		if err := c.readCompanies(ctx, chunk, fields, companies); err != nil {
			return nil, err
		}
	}
	for contact, co := range companyOf {
		values, ok := companies[co.ID]
		if !ok {
			delete(companyOf, contact) // archived between the two reads
			continue
		}
		co.Fields = values
		companyOf[contact] = co
	}
	return companyOf, nil
}

type assocBatchResponse struct {
	Results []struct {
		From struct {
			ID string `json:"id"`
		} `json:"from"`
		To []struct {
			// The spec says string; HubSpot has been seen sending a number.
			ToObjectID       json.RawMessage `json:"toObjectId"`
			AssociationTypes []assocTypeRef  `json:"associationTypes"`
		} `json:"to"`
	} `json:"results"`
}

type assocTypeRef struct {
	TypeID int `json:"typeId"`
}

// readCompanyLinks picks each contact's company. A 207 lists contacts without any
// company as errors; they are simply absent.
func (c *Client) readCompanyLinks(ctx context.Context, contactIDs []string, into map[string]Company) error {
	type input struct {
		ID string `json:"id"`
	}
	in := struct {
		Inputs []input `json:"inputs"`
	}{}
	for _, id := range contactIDs {
		in.Inputs = append(in.Inputs, input{id})
	}
	var resp assocBatchResponse
	if err := c.call(ctx, "read contact companies", http.MethodPost,
		"/crm/v4/associations/contacts/companies/batch/read", in, &resp); err != nil {
		return err
	}
	for _, r := range resp.Results {
		var best Company
		for _, to := range r.To {
			id := strings.Trim(string(to.ToObjectID), `"`)
			if _, err := strconv.ParseUint(id, 10, 64); err != nil {
				continue
			}
			primary := slices.ContainsFunc(to.AssociationTypes, func(t assocTypeRef) bool { return t.TypeID == primaryCompanyType })
			if best.ID == "" || primary && !best.Primary || primary == best.Primary && compareIDs(id, best.ID) < 0 {
				best = Company{ID: id, Primary: primary}
			}
		}
		if best.ID != "" {
			into[r.From.ID] = best
		}
	}
	return nil
}

func (c *Client) readCompanies(ctx context.Context, ids, fields []string, into map[string]map[string]string) error {
	type input struct {
		ID string `json:"id"`
	}
	in := struct {
		Inputs                []input  `json:"inputs"`
		Properties            []string `json:"properties"`
		PropertiesWithHistory []string `json:"propertiesWithHistory"`
	}{Properties: slices.Clone(fields), PropertiesWithHistory: []string{}}
	if in.Properties == nil {
		in.Properties = []string{}
	}
	for _, id := range ids {
		in.Inputs = append(in.Inputs, input{id})
	}
	var resp batchResponse
	if err := c.call(ctx, "read companies", http.MethodPost, "/crm/v3/objects/companies/batch/read", in, &resp); err != nil {
		return err
	}
	for _, o := range resp.Results {
		values := make(map[string]string, len(fields))
		for _, f := range fields {
			values[f] = o.prop(f)
		}
		into[o.ID] = values
	}
	return nil
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
