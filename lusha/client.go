package lusha

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/leadsync/leadsync/crm/upstream"
)

const (
	// DefaultBaseURL is Lusha's production API.
	DefaultBaseURL = "https://api.lusha.com"
	// DefaultUserAgent is sent unless WithUserAgent says otherwise.
	DefaultUserAgent = "leadsync-lusha/1"
	// MaxBatch is the most items one search, enrich or search-and-enrich call accepts.
	MaxBatch = 100
	// maxBodyBytes caps every answer we read: 100 enriched companies stay far below it,
	// and a runaway body must not exhaust the daemon's memory.
	maxBodyBytes = 8 << 20
	// serviceName is upstream.Error.Service for every error of this package.
	serviceName = "lusha"
)

// Client calls the Lusha V3 API with one API key. It is safe for concurrent use.
type Client struct {
	apiKey     string
	baseURL    string
	userAgent  string
	httpClient *http.Client
}

// Option configures a Client.
type Option func(*Client)

// WithBaseURL points the client at another server, e.g. the lushatest fake.
func WithBaseURL(baseURL string) Option {
	return func(c *Client) { c.baseURL = strings.TrimRight(baseURL, "/") }
}

// WithHTTPClient sets the HTTP client (timeouts, transport). Default: a client
// with no timeout, so the caller's context bounds every call.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) {
		if hc != nil {
			c.httpClient = hc
		}
	}
}

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option {
	return func(c *Client) { c.userAgent = ua }
}

// NewClient returns a client that authenticates with apiKey.
func NewClient(apiKey string, opts ...Option) *Client {
	c := &Client{apiKey: apiKey, baseURL: DefaultBaseURL, userAgent: DefaultUserAgent, httpClient: &http.Client{}}
	for _, opt := range opts {
		opt(c)
	}
	return c
}

// String describes the client without its API key.
func (c *Client) String() string { return "lusha.Client{" + c.baseURL + "}" }

// GoString keeps %#v from printing the API key.
func (c *Client) GoString() string { return c.String() }

// Response is the HTTP answer with Lusha's rate-limit headers parsed. Its Body has
// already been read and closed.
type Response struct {
	*http.Response
	Rate Rate
}

// do sends one JSON request and decodes a 2xx answer into out. Any other outcome
// becomes a *upstream.Error; the returned *Response is non-nil whenever an answer arrived.
func (c *Client) do(ctx context.Context, op, method, path string, in, out any) (*Response, error) {
	req, err := c.newRequest(ctx, method, path, in)
	if err != nil {
		return nil, &upstream.Error{Service: serviceName, Op: op, Class: upstream.ClassInvalid, Err: c.redactErr(err)}
	}
	httpResp, err := c.httpClient.Do(req)
	if err != nil {
		return nil, c.transportError(ctx, op, err)
	}
	body, readErr := readCapped(httpResp.Body)
	httpResp.Body.Close()
	httpResp.Body = http.NoBody
	resp := &Response{Response: httpResp, Rate: ParseRate(httpResp.Header)}
	if readErr != nil {
		return resp, c.transportError(ctx, op, readErr)
	}
	if httpResp.StatusCode < 200 || httpResp.StatusCode > 299 {
		return resp, c.statusError(op, resp, body)
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			// A 2xx we cannot read is the upstream's fault; retrying later is the safe answer.
			return resp, &upstream.Error{Service: serviceName, Op: op, Class: upstream.ClassUnavailable,
				Status: httpResp.StatusCode, Message: "malformed answer", Err: err}
		}
	}
	return resp, nil
}

func (c *Client) newRequest(ctx context.Context, method, path string, in any) (*http.Request, error) {
	var body io.Reader
	if in != nil {
		buf, err := json.Marshal(in)
		if err != nil {
			return nil, fmt.Errorf("encode request: %w", err)
		}
		body = bytes.NewReader(buf)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.baseURL+path, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("api_key", c.apiKey)
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.userAgent != "" {
		req.Header.Set("User-Agent", c.userAgent)
	}
	return req, nil
}

var errBodyTooLarge = fmt.Errorf("answer larger than %d bytes", maxBodyBytes)

func readCapped(r io.Reader) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r, maxBodyBytes+1))
	if err != nil {
		return nil, err
	}
	if len(body) > maxBodyBytes {
		return nil, errBodyTooLarge
	}
	return body, nil
}

// transportError classifies a failure without an HTTP answer. A cancelled context
// wins over whatever the transport reported, so shutdown is not mistaken for an outage.
func (c *Client) transportError(ctx context.Context, op string, err error) error {
	class := upstream.ClassUnavailable
	if ctxErr := ctx.Err(); ctxErr != nil {
		err = ctxErr
		if errors.Is(ctxErr, context.Canceled) {
			class = upstream.ClassCanceled
		}
	}
	return &upstream.Error{Service: serviceName, Op: op, Class: class, Err: c.redactErr(err)}
}

// redactErr keeps the API key out of error text even if some layer echoed it.
func (c *Client) redactErr(err error) error {
	if err == nil || c.apiKey == "" || !strings.Contains(err.Error(), c.apiKey) {
		return err
	}
	return redactedError{msg: c.redact(err.Error()), err: err}
}

func (c *Client) redact(s string) string {
	if c.apiKey == "" {
		return s
	}
	return strings.ReplaceAll(s, c.apiKey, "<redacted>")
}

// redactedError shows a scrubbed message but still unwraps to the original, so
// errors.Is(err, context.Canceled) and friends keep working.
type redactedError struct {
	msg string
	err error
}

func (e redactedError) Error() string { return e.msg }
func (e redactedError) Unwrap() error { return e.err }
