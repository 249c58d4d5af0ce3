package lusha

import (
	"context"
	"iter"
	"net/http"
)

// Lookalike limits: Lusha needs at least MinLookalikeSeeds seeds in all, and takes
// at most MaxLookalikeItems per identifier list and per answer.
const (
	MinLookalikeSeeds = 5
	MaxLookalikeItems = 100
)

// ContactName identifies a seed person by name and company.
type ContactName struct {
	FirstName     string `json:"firstName"`
	LastName      string `json:"lastName"`
	CompanyDomain string `json:"companyDomain,omitempty"`
	CompanyName   string `json:"companyName,omitempty"`
}

// ContactIdentifiers name people in any mix of ways (IDs preferred; ContactIDs are
// legacy numeric ids).
type ContactIdentifiers struct {
	LinkedinURLs []string      `json:"linkedinUrls,omitzero"`
	Contacts     []ContactName `json:"contacts,omitzero"`
	Emails       []string      `json:"emails,omitzero"`
	IDs          []string      `json:"ids,omitzero"`
	ContactIDs   []int64       `json:"contactIds,omitzero"`
}

// Count is the number of people named.
func (ci ContactIdentifiers) Count() int {
	return len(ci.LinkedinURLs) + len(ci.Contacts) + len(ci.Emails) + len(ci.IDs) + len(ci.ContactIDs)
}

func (ci ContactIdentifiers) longestList() int {
	return max(len(ci.LinkedinURLs), len(ci.Contacts), len(ci.Emails), len(ci.IDs), len(ci.ContactIDs))
}

// ContactLookalikesRequest is the body of POST /v3/contacts/lookalike. Leave
// DedupeSessionID empty on the first call and pass the returned one afterwards to get
// further people without repeats.
type ContactLookalikesRequest struct {
	DedupeSessionID string              `json:"dedupeSessionId,omitempty"`
	Seeds           ContactIdentifiers  `json:"seeds"`
	Exclude         *ContactIdentifiers `json:"exclude,omitzero"`
	Limit           int                 `json:"limit,omitempty"` // 1–100, default 25
	TableID         string              `json:"tableId,omitempty"`
}

// LookalikeMeta tells how many results came and whether the session has more.
type LookalikeMeta struct {
	Returned int  `json:"returned"`
	HasMore  bool `json:"hasMore"`
}

// LookalikeContact is a lightweight preview of a similar person.
type LookalikeContact struct {
	ID          string           `json:"id,omitempty"`
	FirstName   string           `json:"firstName,omitempty"`
	LastName    string           `json:"lastName,omitempty"`
	SocialLinks *SocialLinks     `json:"socialLinks,omitzero"`
	Company     *CompanyRef      `json:"company,omitzero"`
	JobTitle    *JobTitle        `json:"jobTitle,omitzero"`
	Location    *PreviewLocation `json:"location,omitzero"`
}

// ContactLookalikesResponse is the answer of a contact lookalike call. Lusha may
// send a null DedupeSessionID.
type ContactLookalikesResponse struct {
	DedupeSessionID *string            `json:"dedupeSessionId"`
	Results         []LookalikeContact `json:"results"`
	Meta            LookalikeMeta      `json:"meta"`
	TableWrite      *TableWrite        `json:"tableWrite,omitzero"`
	Billing         *Billing           `json:"billing,omitzero"`
}

// CompanyIdentifiers name companies by domain or LinkedIn page.
type CompanyIdentifiers struct {
	Domains      []string `json:"domains,omitzero"`
	LinkedinURLs []string `json:"linkedinUrls,omitzero"`
}

// Count is the number of companies named.
func (ci CompanyIdentifiers) Count() int { return len(ci.Domains) + len(ci.LinkedinURLs) }

// CompanyLookalikesRequest is the body of POST /v3/companies/lookalike.
type CompanyLookalikesRequest struct {
	DedupeSessionID string              `json:"dedupeSessionId,omitempty"`
	Seeds           CompanyIdentifiers  `json:"seeds"`
	Exclude         *CompanyIdentifiers `json:"exclude,omitzero"`
	Limit           int                 `json:"limit,omitempty"`
	TableID         string              `json:"tableId,omitempty"`
}

// LookalikeCompany is a lightweight preview of a similar company.
type LookalikeCompany struct {
	ID            string           `json:"id,omitempty"`
	Name          string           `json:"name,omitempty"`
	Domain        string           `json:"domain,omitempty"`
	EmployeeCount *EmployeeCount   `json:"employeeCount,omitzero"`
	Industry      string           `json:"industry,omitempty"`
	Location      *PreviewLocation `json:"location,omitzero"`
	SocialLinks   *SocialLinks     `json:"socialLinks,omitzero"`
}

// CompanyLookalikesResponse is the answer of a company lookalike call.
type CompanyLookalikesResponse struct {
	DedupeSessionID string             `json:"dedupeSessionId"`
	Results         []LookalikeCompany `json:"results"`
	Meta            LookalikeMeta      `json:"meta"`
	TableWrite      *TableWrite        `json:"tableWrite,omitzero"`
	Billing         *Billing           `json:"billing,omitzero"`
}

// ContactLookalikes finds people similar to 5–100 seeds; charged per result. An
// unknown or expired DedupeSessionID is a 410 (upstream.ClassInvalid, Code
// CodeDedupeSessionInvalid): start a new session.
func (c *Client) ContactLookalikes(ctx context.Context, req ContactLookalikesRequest) (*ContactLookalikesResponse, *Response, error) {
	const op = "contact lookalikes"
	if err := checkLookalike(op, req.Seeds.Count(), req.Seeds.longestList(), req.Limit); err != nil {
		return nil, nil, err
	}
	out := new(ContactLookalikesResponse)
	resp, err := c.do(ctx, op, http.MethodPost, "/v3/contacts/lookalike", req, out)
	return answer(out, resp, err)
}

// CompanyLookalikes finds companies similar to 5–100 seeds; charged per result.
func (c *Client) CompanyLookalikes(ctx context.Context, req CompanyLookalikesRequest) (*CompanyLookalikesResponse, *Response, error) {
	const op = "company lookalikes"
	longest := max(len(req.Seeds.Domains), len(req.Seeds.LinkedinURLs))
	if err := checkLookalike(op, req.Seeds.Count(), longest, req.Limit); err != nil {
		return nil, nil, err
	}
	out := new(CompanyLookalikesResponse)
	resp, err := c.do(ctx, op, http.MethodPost, "/v3/companies/lookalike", req, out)
	return answer(out, resp, err)
}

// ContactLookalikesPages yields answers of one dedupe session until Lusha has no
// more. Every page is billed: break out of the loop to stop.
func (c *Client) ContactLookalikesPages(ctx context.Context, req ContactLookalikesRequest) iter.Seq2[*ContactLookalikesResponse, error] {
	return func(yield func(*ContactLookalikesResponse, error) bool) {
		for {
			page, _, err := c.ContactLookalikes(ctx, req)
			if !yield(page, err) || err != nil || !page.Meta.HasMore || page.DedupeSessionID == nil || len(page.Results) == 0 {
				return
			}
			req.DedupeSessionID = *page.DedupeSessionID
		}
	}
}

// CompanyLookalikesPages yields answers of one dedupe session until Lusha has no more.
func (c *Client) CompanyLookalikesPages(ctx context.Context, req CompanyLookalikesRequest) iter.Seq2[*CompanyLookalikesResponse, error] {
	return func(yield func(*CompanyLookalikesResponse, error) bool) {
		for {
			page, _, err := c.CompanyLookalikes(ctx, req)
			if !yield(page, err) || err != nil || !page.Meta.HasMore || page.DedupeSessionID == "" || len(page.Results) == 0 {
				return
			}
			req.DedupeSessionID = page.DedupeSessionID
		}
	}
}

func checkLookalike(op string, seeds, longest, limit int) error {
	if err := checkCount(op, "seeds", seeds, MinLookalikeSeeds, 5*MaxLookalikeItems); err != nil {
		return err
	}
	if err := checkCount(op, "seeds in one list", longest, 0, MaxLookalikeItems); err != nil {
		return err
	}
	if limit != 0 {
		return checkCount(op, "as limit", limit, 1, MaxLookalikeItems)
	}
	return nil
}
