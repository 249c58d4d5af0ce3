package hubspot

import (
	"context"
	"net/http"
	"strings"

	"github.com/leadsync/leadsync/crm/internal/httpx"
)

// maxBody caps what is read of a successful answer (a 200-record search page with
// many properties is well below it).
const maxBody = 32 << 20

// call sends one JSON request and decodes a 2xx answer into out. Every failure comes
// back as a classified *crm.Error.
//
// A 401 with an OAuth token is sent once more with a fresh token: that is part of
// authenticating (the token may have been revoked early or the clocks disagree), not
// a retry of a failed call, which stays the connector's to decide.
func (c *Client) call(ctx context.Context, op, method, path string, in, out any) error {
	body, err := c.api.Encode(op, in)
	if err != nil {
		return err
	}
	ans, tok, err := c.send(ctx, op, method, path, body)
	if err == nil && ans.StatusCode == http.StatusUnauthorized && c.auth.invalidate(tok) {
		ans.Discard()
		ans, _, err = c.send(ctx, op, method, path, body)
	}
	if err != nil {
		return err
	}
	return ans.Decode(out)
}

// send paces, authenticates and sends one request.
func (c *Client) send(ctx context.Context, op, method, path string, body []byte) (*httpx.Answer, secret, error) {
	search := strings.HasSuffix(path, "/search")
	if err := c.pace.wait(ctx, search); err != nil {
		return nil, "", c.api.TransportError(ctx, op, err)
	}
	tok, err := c.auth.token(ctx)
	if err != nil {
		return nil, "", err
	}
	ans, err := c.api.Send(ctx, httpx.Request{Op: op, Method: method, URL: c.baseURL + path, Token: string(tok), Body: body})
	if err != nil {
		return nil, "", err
	}
	if !search {
		c.pace.observe(ctx, ans.Header)
	}
	return ans, tok, nil
}
