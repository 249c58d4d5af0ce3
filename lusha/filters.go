package lusha

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"unicode/utf8"
)

// FilterTypes lists the filters an endpoint offers and whether their values need a query.
type FilterTypes struct {
	AvailableFilters []FilterType `json:"availableFilters"`
}

// FilterType is one filter of a discovery answer.
type FilterType struct {
	FilterType    string `json:"filterType"`
	RequiresQuery bool   `json:"requiresQuery"`
}

// FilterValues holds the values of one filter. Their shape depends on the filter
// type and Lusha does not specify it (strings for departments, {id,name} for
// seniority, {min,max} for sizes, …), so it is kept raw; Decode reads it.
type FilterValues struct {
	Values json.RawMessage `json:"values"`
}

// Decode unmarshals the values into v, e.g. a *[]string or a *[]struct{...}.
func (f *FilterValues) Decode(v any) error {
	if len(f.Values) == 0 {
		return json.Unmarshal([]byte("null"), v)
	}
	return json.Unmarshal(f.Values, v)
}

// SignalTypes lists the signal types an entity supports.
type SignalTypes struct {
	SignalTypes []string `json:"signalTypes"`
}

// Filter discovery answers are free; query, when given, must be 2–256 characters.
const (
	minFilterQuery = 2
	maxFilterQuery = 256
)

// ContactProspectingFilters lists the filters of contact prospecting.
func (c *Client) ContactProspectingFilters(ctx context.Context) (*FilterTypes, *Response, error) {
	return getJSON[FilterTypes](ctx, c, "contact prospecting filters", "/v3/contacts/prospecting/filters")
}

// ContactProspectingFilterValues lists the values of one contact prospecting filter
// (departments, seniority, existingDataPoints, countries, locations); query narrows
// them and is required where the filter type says so.
func (c *Client) ContactProspectingFilterValues(ctx context.Context, filterType, query string) (*FilterValues, *Response, error) {
	return c.filterValues(ctx, "contact prospecting filter values", "/v3/contacts/prospecting/filters/", filterType, query)
}

// CompanyProspectingFilters lists the filters of company prospecting.
func (c *Client) CompanyProspectingFilters(ctx context.Context) (*FilterTypes, *Response, error) {
	return getJSON[FilterTypes](ctx, c, "company prospecting filters", "/v3/companies/prospecting/filters")
}

// CompanyProspectingFilterValues lists the values of one company prospecting filter
// (names, sizes, revenues, locations, sics, naics, industriesLabels, intentTopics, technologies).
func (c *Client) CompanyProspectingFilterValues(ctx context.Context, filterType, query string) (*FilterValues, *Response, error) {
	return c.filterValues(ctx, "company prospecting filter values", "/v3/companies/prospecting/filters/", filterType, query)
}

// ContactSignalTypes lists the contact signal types.
func (c *Client) ContactSignalTypes(ctx context.Context) (*SignalTypes, *Response, error) {
	return getJSON[SignalTypes](ctx, c, "contact signal types", "/v3/contacts/signals/types")
}

// CompanySignalTypes lists the company signal types.
func (c *Client) CompanySignalTypes(ctx context.Context) (*SignalTypes, *Response, error) {
	return getJSON[SignalTypes](ctx, c, "company signal types", "/v3/companies/signals/types")
}

// CompanySignalFilters lists the filters of company signals.
func (c *Client) CompanySignalFilters(ctx context.Context) (*FilterTypes, *Response, error) {
	return getJSON[FilterTypes](ctx, c, "company signal filters", "/v3/companies/signals/filters")
}

// CompanySignalFilterValues lists the values of one company signal filter
// (newsEventTypes, hiringByDepartments, hiringByLocations, intentCategories).
func (c *Client) CompanySignalFilterValues(ctx context.Context, filterType, query string) (*FilterValues, *Response, error) {
	return c.filterValues(ctx, "company signal filter values", "/v3/companies/signals/filters/", filterType, query)
}

func (c *Client) filterValues(ctx context.Context, op, base, filterType, query string) (*FilterValues, *Response, error) {
	if filterType == "" {
		return nil, nil, invalidRequest(op, "filter type is empty")
	}
	path := base + url.PathEscape(filterType)
	if query != "" {
		if err := checkCount(op, "query characters", utf8.RuneCountInString(query), minFilterQuery, maxFilterQuery); err != nil {
			return nil, nil, err
		}
		path += "?" + url.Values{"query": {query}}.Encode()
	}
	return getJSON[FilterValues](ctx, c, op, path)
}

// getJSON sends a GET and decodes its answer.
func getJSON[T any](ctx context.Context, c *Client, op, path string) (*T, *Response, error) {
	out := new(T)
	resp, err := c.do(ctx, op, http.MethodGet, path, nil, out)
	return answer(out, resp, err)
}
