package httpx

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/leadsync/leadsync/crm/upstream"
)

// MaxErrorBody caps what is read of an error answer.
const MaxErrorBody = 64 << 10

// Client sends the JSON calls of one adapter. Every failure comes back as a
// classified *upstream.Error: the transport's here, the answer's through Classify.
type Client struct {
	Service  string // names the upstream in errors: "hubspot", "salesforce"
	HTTP     *http.Client
	MaxBody  int64 // caps what is read of a successful answer
	Classify Classifier
}

// Classifier turns one non-2xx answer into its classified error. body holds at most
// MaxErrorBody bytes, with the call's token cut out.
type Classifier func(op string, status int, h http.Header, body []byte) error

// Request is one call. Op names it in errors ("update contacts").
type Request struct {
	Op, Method, URL string
	// Token is sent as the bearer token; it is cut out of error answers.
	Token  string
	Header http.Header // the adapter's own headers
	Body   []byte      // JSON, nil for none
}

// Encode is the JSON body of a call; a value that cannot be encoded is the caller's
// mistake, so the error is invalid.
func (c *Client) Encode(op string, in any) ([]byte, error) {
	if in == nil {
		return nil, nil
	}
	b, err := json.Marshal(in)
	if err != nil {
		return nil, &upstream.Error{Service: c.Service, Op: op, Class: upstream.ClassInvalid, Message: "encode request", Err: err}
	}
	return b, nil
}

// TransportError classifies a failure of a step before the request was sent (pacing,
// authentication): Sent stays false.
func (c *Client) TransportError(ctx context.Context, op string, err error) error {
	return c.transportError(ctx, op, err, false)
}

// transportError classifies a failure without an HTTP answer: canceled when the
// context was, else unavailable. The *url.Error it may wrap names the URL, which never
// carries a credential (tokens travel in headers and bodies only).
func (c *Client) transportError(ctx context.Context, op string, err error, sent bool) *upstream.Error {
	class := upstream.ClassUnavailable
	if errors.Is(err, context.Canceled) || errors.Is(ctx.Err(), context.Canceled) {
		class = upstream.ClassCanceled
		if !errors.Is(err, context.Canceled) {
			err = fmt.Errorf("%w: %w", context.Canceled, err)
		}
	}
	return &upstream.Error{Service: c.Service, Op: op, Class: class, Sent: sent, Err: err}
}
