package salesforce

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/leadsync/leadsync/crm"
)

const (
	// maxBody caps what is read of a successful answer (a 2,000-record query page with
	// many fields stays well below it).
	maxBody = 64 << 20
	// maxErrorBody caps what is read of an error answer.
	maxErrorBody = 64 << 10
)

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
	var body []byte
	if r.in != nil {
		b, err := json.Marshal(r.in)
		if err != nil {
			return &crm.Error{Service: service, Op: r.op, Class: crm.ClassInvalid, Message: "encode request", Err: err}
		}
		body = b
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
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, sess.instanceURL+r.path, rd)
	if err != nil {
		return &crm.Error{Service: service, Op: r.op, Class: crm.ClassInvalid, Message: "build request", Err: err}
	}
	for k, v := range r.header {
		req.Header[k] = v
	}
	req.Header.Set("Authorization", "Bearer "+string(*sess.token))
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return transportError(ctx, r.op, err)
	}
	defer resp.Body.Close()
	c.trackUsage(resp.Header)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		return classify(r.op, resp.StatusCode, resp.Header, raw)
	}
	if r.out == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody))
		return nil
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxBody)).Decode(r.out); err != nil {
		if ctx.Err() != nil {
			return transportError(ctx, r.op, err)
		}
		// A truncated or garbled success answer is the server's or the network's fault.
		return &crm.Error{Service: service, Op: r.op, Class: crm.ClassUnavailable, Status: resp.StatusCode,
			Message: "undecodable answer", Err: err}
	}
	return nil
}

// transportError classifies a failure without an HTTP answer. The *url.Error it wraps
// names the URL, which never carries a credential (tokens travel in headers and
// bodies only).
func transportError(ctx context.Context, op string, err error) error {
	class := crm.ClassUnavailable
	if errors.Is(err, context.Canceled) || errors.Is(ctx.Err(), context.Canceled) {
		class = crm.ClassCanceled
		if !errors.Is(err, context.Canceled) {
			err = fmt.Errorf("%w: %w", context.Canceled, err)
		}
	}
	return &crm.Error{Service: service, Op: op, Class: class, Err: err}
}

// dataPath is a REST resource under the client's API version.
func (c *Client) dataPath(rest string) string { return "/services/data/" + c.version + rest }
