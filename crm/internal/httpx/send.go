package httpx

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptrace"

	"github.com/leadsync/leadsync/crm/upstream"
)

// Send writes r and returns the answer, whatever its status; Answer.Decode reads it.
// A failure without an answer comes back with Sent telling whether r was written.
func (c *Client) Send(ctx context.Context, r Request) (*Answer, error) {
	var body io.Reader
	if r.Body != nil {
		body = bytes.NewReader(r.Body)
	}
	tr := &sendTrace{}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, tr.clientTrace()), r.Method, r.URL, body)
	if err != nil {
		return nil, &upstream.Error{Service: c.Service, Op: r.Op, Class: upstream.ClassInvalid, Message: "build request", Err: err}
	}
	for k, v := range r.Header {
		req.Header[k] = v
	}
	req.Header.Set("Authorization", "Bearer "+r.Token)
	req.Header.Set("Accept", "application/json")
	if r.Body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, c.transportError(ctx, r.Op, err, tr.sent())
	}
	return &Answer{Response: resp, client: c, ctx: ctx, op: r.Op, trace: tr, redact: redactor(r.Token)}, nil
}

// redactor cuts a token out of an error answer: some servers and proxies echo what
// they were sent.
func redactor(token string) func([]byte) []byte {
	return func(b []byte) []byte {
		if token == "" {
			return b
		}
		return bytes.ReplaceAll(b, []byte(token), []byte("<redacted>"))
	}
}
