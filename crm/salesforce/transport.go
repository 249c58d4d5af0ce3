package salesforce

import (
	"context"
	"errors"
	"net/http"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/internal/httpx"
)

// maxBody caps what is read of a successful answer (a 2,000-record query page with
// many fields stays well below it).
const maxBody = 64 << 20

// request is one REST call relative to the instance URL.
type request struct {
	op, method, path string // path starts with /services/
	header           http.Header
	in, out          any
}

// call sends a request with the current session. An INVALID_SESSION_ID answer renews
// the session once and sends the request once more: that is authentication, not a
// retry of a failure. A second refusal is final and classified auth.
func (c *Client) call(ctx context.Context, r request) error {
	body, err := c.api.Encode(r.op, r.in)
	if err != nil {
		return err
	}
	sess, err := c.auth.session(ctx)
	if err != nil {
		return err
	}
	err = c.send(ctx, sess, r, body)
	if ce, ok := errors.AsType[*crm.Error](err); ok && ce.Code == "INVALID_SESSION_ID" {
		if sess, err = c.auth.renew(ctx, sess); err != nil {
			return err
		}
		err = c.send(ctx, sess, r, body)
	}
	return err
}

func (c *Client) send(ctx context.Context, sess *session, r request, body []byte) error {
	ans, err := c.api.Send(ctx, httpx.Request{Op: r.op, Method: r.method, URL: sess.instanceURL + r.path,
		Token: string(*sess.token), Header: r.header, Body: body})
	if err != nil {
		return err
	}
	c.trackUsage(ans.Header)
	return ans.Decode(r.out)
}

// dataPath is a REST resource under the client's API version.
func (c *Client) dataPath(rest string) string { return "/services/data/" + c.version + rest }
