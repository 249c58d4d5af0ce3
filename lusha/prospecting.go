package lusha

import (
	"context"
	"iter"
	"net/http"
)

// ProspectContacts returns one page of people matching the filters: previews only,
// charged api_search per result (plus per matched signal when signals are asked).
func (c *Client) ProspectContacts(ctx context.Context, req ProspectingContactsRequest) (*ProspectingContactsResponse, *Response, error) {
	const op = "prospect contacts"
	if err := checkPage(op, req.Pagination); err != nil {
		return nil, nil, err
	}
	out := new(ProspectingContactsResponse)
	resp, err := c.do(ctx, op, http.MethodPost, "/v3/contacts/prospecting", req, out)
	return answer(out, resp, err)
}

// ProspectCompanies returns one page of companies matching the filters.
func (c *Client) ProspectCompanies(ctx context.Context, req ProspectingCompaniesRequest) (*ProspectingCompaniesResponse, *Response, error) {
	const op = "prospect companies"
	if err := checkPage(op, req.Pagination); err != nil {
		return nil, nil, err
	}
	out := new(ProspectingCompaniesResponse)
	resp, err := c.do(ctx, op, http.MethodPost, "/v3/companies/prospecting", req, out)
	return answer(out, resp, err)
}

// ProspectContactsPages yields the pages of a contact prospecting query from
// req.Pagination.Page on, until the last one. Every page is billed: stop early by
// breaking out of the loop. It stops after the first error, which it yields.
func (c *Client) ProspectContactsPages(ctx context.Context, req ProspectingContactsRequest) iter.Seq2[*ProspectingContactsResponse, error] {
	return func(yield func(*ProspectingContactsResponse, error) bool) {
		for {
			page, _, err := c.ProspectContacts(ctx, req)
			if !yield(page, err) || err != nil || !hasNextPage(req.Pagination, page.Pagination, len(page.Results)) {
				return
			}
			req.Pagination.Page++
		}
	}
}

// ProspectCompaniesPages yields the pages of a company prospecting query, as
// ProspectContactsPages does.
func (c *Client) ProspectCompaniesPages(ctx context.Context, req ProspectingCompaniesRequest) iter.Seq2[*ProspectingCompaniesResponse, error] {
	return func(yield func(*ProspectingCompaniesResponse, error) bool) {
		for {
			page, _, err := c.ProspectCompanies(ctx, req)
			if !yield(page, err) || err != nil || !hasNextPage(req.Pagination, page.Pagination, len(page.Results)) {
				return
			}
			req.Pagination.Page++
		}
	}
}

// hasNextPage decides from the answer's own page size, because Lusha may serve fewer
// results per page than asked (50 for a size of 100): the next page follows those.
func hasNextPage(asked PageRequest, got PageInfo, n int) bool {
	size := got.Size
	if size <= 0 {
		size = asked.Size
	}
	if n == 0 || n < size || asked.Page >= ProspectingMaxPage {
		return false
	}
	return int64(asked.Page+1)*int64(size) < got.Total
}

func checkPage(op string, p PageRequest) error {
	if err := checkCount(op, "page size", p.Size, ProspectingMinPageSize, ProspectingMaxRequest); err != nil {
		return err
	}
	return checkCount(op, "page number", p.Page, 0, ProspectingMaxPage)
}
