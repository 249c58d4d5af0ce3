package hubspot

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/leadsync/leadsync/crm"
)

// maxAssociationCreates is the v4 batch create's input cap ("Batch create
// associations: limited to 2,000 inputs per request body", associations v4 guide).
const maxAssociationCreates = 2000

// CreateCompany creates one company with fields (HubSpot wants a name or a domain,
// reference §5.1) and makes it the primary company of each of people, records of
// personObject (contacts or leads). It costs one create and one association write
// per 2,000 people.
//
// The id comes back even when linking fails after the create, so that the caller
// links again (LinkCompany) instead of creating a second company. When the create's
// own answer is lost (crm.OutcomeUnknown), the company may exist: look it up by
// domain before creating again, bearing in mind that search lags writes.
func (c *Client) CreateCompany(ctx context.Context, personObject string, fields map[string]string, people []string) (string, error) {
	const op = "create company"
	link, err := linkOf(op, personObject)
	if err != nil {
		return "", err
	}
	in := struct {
		Properties map[string]string `json:"properties"`
		// The spec requires the list; the company is linked through the v4 API,
		// which names the primary label explicitly.
		Associations []struct{} `json:"associations"`
	}{Properties: fields, Associations: []struct{}{}}
	if in.Properties == nil {
		in.Properties = map[string]string{}
	}
	var out simpleObject
	if err := c.call(ctx, op, http.MethodPost, "/crm/v3/objects/companies", in, &out); err != nil {
		return "", err
	}
	if out.ID == "" {
		return "", &crm.Error{Service: service, Op: op, Class: crm.ClassUnavailable, Message: "HubSpot answered a create without an id"}
	}
	return out.ID, c.link(ctx, link, out.ID, people)
}

// LinkCompany makes an existing company the primary company of each of people,
// records of personObject (contacts or leads), through the v4 batch create with
// the default and the primary types (reference §5.2, §5.3). HubSpot keeps one
// primary company per record: a person's earlier primary company stays associated,
// unlabeled. Linking twice is harmless. It costs one call per 2,000 people.
//
// People HubSpot could not link (deleted, merged away, or a company that is gone)
// make a crm.ClassInvalid error naming them; the others are linked.
func (c *Client) LinkCompany(ctx context.Context, personObject, companyID string, people []string) error {
	link, err := linkOf("link company", personObject)
	if err != nil {
		return err
	}
	return c.link(ctx, link, companyID, people)
}

func linkOf(op, personObject string) (personLink, error) {
	link, ok := personLinkOf(personObject)
	if !ok {
		return link, &crm.Error{Service: service, Op: op, Class: crm.ClassInvalid,
			Message: "HubSpot " + personObject + " records have no company to link"}
	}
	return link, nil
}

type assocSpec struct {
	Category string `json:"associationCategory"`
	TypeID   int    `json:"associationTypeId"`
}

type objectID struct {
	ID string `json:"id"`
}

type assocCreateInput struct {
	From  objectID    `json:"from"`
	To    objectID    `json:"to"`
	Types []assocSpec `json:"types"`
}

func (c *Client) link(ctx context.Context, link personLink, companyID string, people []string) error {
	op := "link " + link.object + " to company " + companyID
	// Both types: a labelled write replaces the pair's labels (associations v4 guide),
	// and the default association is what every label hangs on.
	types := []assocSpec{{"HUBSPOT_DEFINED", link.plain}, {"HUBSPOT_DEFINED", link.primary}}
	var failed []string
	var reasons []string
	for chunk := range slices.Chunk(dedupe(slices.Clone(people)), maxAssociationCreates) {
		in := struct {
			Inputs []assocCreateInput `json:"inputs"`
		}{}
		for _, p := range chunk {
			in.Inputs = append(in.Inputs, assocCreateInput{From: objectID{p}, To: objectID{companyID}, Types: types})
		}
		var resp struct {
			Errors []standardError `json:"errors"`
		}
		path := "/crm/v4/associations/" + link.object + "/companies/batch/create"
		if err := c.call(ctx, op, http.MethodPost, path, in, &resp); err != nil {
			return err
		}
		for _, e := range resp.Errors {
			failed = append(failed, e.Context["fromObjectId"]...)
			if !slices.Contains(reasons, e.Category) {
				reasons = append(reasons, e.Category)
			}
		}
	}
	if len(reasons) == 0 {
		return nil
	}
	return &crm.Error{Service: service, Op: op, Class: crm.ClassInvalid, Code: reasons[0],
		Message: fmt.Sprintf("HubSpot did not link %s (%s)", cmpOrString(strings.Join(failed, ", "), "some records"), strings.Join(reasons, ", "))}
}
