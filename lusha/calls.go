package lusha

import (
	"context"
	"fmt"
	"net/http"

	"github.com/leadsync/leadsync/crm/upstream"
)

// SearchContacts finds people and returns free previews (no emails or phones).
// Costs 1 credit per 1–25 results found.
func (c *Client) SearchContacts(ctx context.Context, req ContactsSearchRequest) (*ContactsSearchResponse, *Response, error) {
	const op = "search contacts"
	if err := checkBatch(op, len(req.Contacts)); err != nil {
		return nil, nil, err
	}
	out := new(ContactsSearchResponse)
	resp, err := c.do(ctx, op, http.MethodPost, "/v3/contacts/search", req, out)
	return answer(out, resp, err)
}

// EnrichContacts reveals the requested data points of contacts found by a search.
// Data points the account already revealed are free.
func (c *Client) EnrichContacts(ctx context.Context, req ContactsEnrichRequest) (*ContactsEnrichResponse, *Response, error) {
	const op = "enrich contacts"
	if err := checkBatch(op, len(req.IDs)); err != nil {
		return nil, nil, err
	}
	out := new(ContactsEnrichResponse)
	resp, err := c.do(ctx, op, http.MethodPost, "/v3/contacts/enrich", req, out)
	return answer(out, resp, err)
}

// SearchAndEnrichContacts searches and reveals in one call (search price plus reveals).
func (c *Client) SearchAndEnrichContacts(ctx context.Context, req ContactsSearchAndEnrichRequest) (*ContactsSearchAndEnrichResponse, *Response, error) {
	const op = "search and enrich contacts"
	if err := checkBatch(op, len(req.Contacts)); err != nil {
		return nil, nil, err
	}
	out := new(ContactsSearchAndEnrichResponse)
	resp, err := c.do(ctx, op, http.MethodPost, "/v3/contacts/search-and-enrich", req, out)
	return answer(out, resp, err)
}

// SearchCompanies finds companies by id, name or domain and returns previews.
func (c *Client) SearchCompanies(ctx context.Context, req CompaniesSearchRequest) (*CompaniesSearchResponse, *Response, error) {
	const op = "search companies"
	if err := checkBatch(op, len(req.Companies)); err != nil {
		return nil, nil, err
	}
	out := new(CompaniesSearchResponse)
	resp, err := c.do(ctx, op, http.MethodPost, "/v3/companies/search", req, out)
	return answer(out, resp, err)
}

// EnrichCompanies returns full firmographics (1 credit per company) plus the
// requested reveal fields (1 credit each when present).
func (c *Client) EnrichCompanies(ctx context.Context, req CompaniesEnrichRequest) (*CompaniesEnrichResponse, *Response, error) {
	const op = "enrich companies"
	if err := checkBatch(op, len(req.IDs)); err != nil {
		return nil, nil, err
	}
	out := new(CompaniesEnrichResponse)
	resp, err := c.do(ctx, op, http.MethodPost, "/v3/companies/enrich", req, out)
	return answer(out, resp, err)
}

// SearchAndEnrichCompanies finds companies and returns their full firmographics in
// one call: the search price plus reveal_company per company found. Lusha offers no
// extra reveal fields here; use EnrichCompanies for those.
func (c *Client) SearchAndEnrichCompanies(ctx context.Context, req CompaniesSearchAndEnrichRequest) (*CompaniesSearchAndEnrichResponse, *Response, error) {
	const op = "search and enrich companies"
	if err := checkBatch(op, len(req.Companies)); err != nil {
		return nil, nil, err
	}
	out := new(CompaniesSearchAndEnrichResponse)
	resp, err := c.do(ctx, op, http.MethodPost, "/v3/companies/search-and-enrich", req, out)
	return answer(out, resp, err)
}

// AccountUsage reports credits, rate windows, plan and pricing. It costs no
// credits, which makes it the circuit breaker's half-open probe; Lusha allows
// only 5 calls a minute.
func (c *Client) AccountUsage(ctx context.Context) (*AccountUsage, *Response, error) {
	out := new(AccountUsage)
	resp, err := c.do(ctx, "account usage", http.MethodGet, "/v3/account/usage", nil, out)
	return answer(out, resp, err)
}

// checkBatch refuses a batch Lusha would reject, without spending a request.
func checkBatch(op string, n int) error { return checkCount(op, "items", n, 1, MaxBatch) }

// checkCount refuses a count outside [lo, hi] before any request is sent.
func checkCount(op, what string, n, lo, hi int) error {
	if n >= lo && n <= hi {
		return nil
	}
	return invalidRequest(op, fmt.Sprintf("%d %s; Lusha accepts %d to %d", n, what, lo, hi))
}

// invalidRequest is the error of a request refused before sending.
func invalidRequest(op, message string) error {
	return &upstream.Error{Service: serviceName, Op: op, Class: upstream.ClassInvalid, Message: message}
}

// answer drops the half-decoded value of a failed call.
func answer[T any](out *T, resp *Response, err error) (*T, *Response, error) {
	if err != nil {
		return nil, resp, err
	}
	return out, resp, nil
}
