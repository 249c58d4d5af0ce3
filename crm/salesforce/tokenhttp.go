package salesforce

import "net/http"

// tokenHTTP is the client's HTTP client as token requests use it: they ask for JSON
// and their answers are read as JSON whatever their Content-Type. Salesforce's token
// endpoint answers JSON only (reference §2.1), but x/oauth2 reads a text/plain or
// form-labelled answer as a query string, which would lose instance_url and the
// error code of an answer whose label is missing or wrong (Go's sniffing calls an
// unlabelled JSON body text/plain).
func tokenHTTP(h *http.Client) *http.Client {
	if h == nil {
		h = http.DefaultClient
	}
	c := *h
	c.Transport = jsonAnswers{base: h.Transport}
	return &c
}

type jsonAnswers struct{ base http.RoundTripper }

func (t jsonAnswers) RoundTrip(r *http.Request) (*http.Response, error) {
	base := t.base
	if base == nil {
		base = http.DefaultTransport
	}
	r = r.Clone(r.Context())
	r.Header.Set("Accept", "application/json")
	resp, err := base.RoundTrip(r)
	if err == nil {
		resp.Header.Set("Content-Type", "application/json")
	}
	return resp, err
}
