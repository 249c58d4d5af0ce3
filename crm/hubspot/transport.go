package hubspot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/leadsync/leadsync/crm"
)

const (
	// maxBody caps what is read of a successful answer (a 200-record search page with
	// many properties is well below it).
	maxBody = 32 << 20
	// maxErrorBody caps what is read of an error answer.
	maxErrorBody = 64 << 10
)

// call sends one JSON request and decodes a 2xx answer into out. Every failure comes
// back as a classified *crm.Error.
//
// A 401 with an OAuth token is sent once more with a fresh token: that is part of
// authenticating (the token may have been revoked early or the clocks disagree), not
// a retry of a failed call, which stays the connector's to decide.
func (c *Client) call(ctx context.Context, op, method, path string, in, out any) error {
	var body []byte
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return &crm.Error{Service: service, Op: op, Class: crm.ClassInvalid, Message: "encode request", Err: err}
		}
		body = b
	}
	resp, tok, err := c.send(ctx, op, method, path, body)
	if err == nil && resp.StatusCode == http.StatusUnauthorized && c.auth.invalidate(tok) {
		drain(resp)
		resp, _, err = c.send(ctx, op, method, path, body)
	}
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return decodeAnswer(ctx, op, resp, out)
}

// send paces, authenticates and sends one request.
func (c *Client) send(ctx context.Context, op, method, path string, body []byte) (*http.Response, secret, error) {
	search := strings.HasSuffix(path, "/search")
	if err := c.pace.wait(ctx, search); err != nil {
		return nil, "", transportError(ctx, op, err)
	}
	tok, err := c.auth.token(ctx)
	if err != nil {
		return nil, "", err
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.baseURL+path, rd)
	if err != nil {
		return nil, "", &crm.Error{Service: service, Op: op, Class: crm.ClassInvalid, Message: "build request", Err: err}
	}
	req.Header.Set("Authorization", "Bearer "+string(tok))
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, "", transportError(ctx, op, err)
	}
	if !search {
		c.pace.observe(resp.Header)
	}
	return resp, tok, nil
}

func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
	resp.Body.Close()
}

// decodeAnswer classifies a non-2xx answer or decodes a 2xx one into out.
func decodeAnswer(ctx context.Context, op string, resp *http.Response, out any) error {
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		excerpt, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		return classify(op, resp.StatusCode, resp.Header, excerpt)
	}
	if out == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody))
		return nil
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxBody)).Decode(out); err != nil {
		if ctx.Err() != nil {
			return transportError(ctx, op, err)
		}
		// A truncated or garbled success answer is the server's or the network's
		// fault; trying again later is the right reaction.
		return &crm.Error{Service: service, Op: op, Class: crm.ClassUnavailable, Status: resp.StatusCode,
			Message: "undecodable answer", Err: err}
	}
	return nil
}

// transportError classifies a failure without an HTTP answer. The *url.Error it wraps
// names the URL, which never carries the token.
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
