package httpx

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/leadsync/leadsync/crm/upstream"
)

// Answer is the HTTP answer to a sent request.
type Answer struct {
	*http.Response
	client *Client
	ctx    context.Context
	op     string
	trace  *sendTrace
	redact func([]byte) []byte
}

// Decode classifies a non-2xx answer or decodes a 2xx one into out (nil: discard it),
// and closes the body. Its errors carry Sent.
func (a *Answer) Decode(out any) error {
	defer a.Body.Close()
	c := a.client
	if a.StatusCode < 200 || a.StatusCode > 299 {
		raw, _ := io.ReadAll(io.LimitReader(a.Body, MaxErrorBody))
		err := c.Classify(a.op, a.StatusCode, a.Header, a.redact(raw))
		if e, ok := errors.AsType[*upstream.Error](err); ok {
			e.Sent = a.trace.sent()
		}
		return err
	}
	if out == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(a.Body, c.MaxBody))
		return nil
	}
	if err := json.NewDecoder(io.LimitReader(a.Body, c.MaxBody)).Decode(out); err != nil {
		if a.ctx.Err() != nil {
			return c.transportError(a.ctx, a.op, err, a.trace.sent())
		}
		// A truncated or garbled success answer is the server's or the network's
		// fault; trying again later is the right reaction.
		return &upstream.Error{Service: c.Service, Op: a.op, Class: upstream.ClassUnavailable, Status: a.StatusCode,
			Message: "undecodable answer", Sent: a.trace.sent(), Err: err}
	}
	return nil
}

// Discard reads a little of an answer that will not be decoded, so that the
// connection can be reused, and closes it.
func (a *Answer) Discard() {
	_, _ = io.Copy(io.Discard, io.LimitReader(a.Body, MaxErrorBody))
	a.Body.Close()
}
