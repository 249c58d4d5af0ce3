package httpx_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/leadsync/leadsync/crm/internal/httpx"
	"github.com/leadsync/leadsync/crm/internal/httpx/httpxtest"
	"github.com/leadsync/leadsync/crm/upstream"
)

const token = "pat-secret-token-1234"

// classify files every non-2xx answer as unavailable with its excerpt.
func classify(op string, status int, _ http.Header, body []byte) error {
	return &upstream.Error{Service: "test", Op: op, Class: upstream.ClassUnavailable, Status: status,
		Message: httpx.Excerpt(string(body))}
}

func newClient(h *http.Client) *httpx.Client {
	return &httpx.Client{Service: "test", HTTP: h, MaxBody: 1 << 20, Classify: classify}
}

// call sends one POST to url and decodes the answer.
func call(ctx context.Context, c *httpx.Client, url string) error {
	ans, err := c.Send(ctx, httpx.Request{Op: "update", Method: http.MethodPost, URL: url, Token: token,
		Body: []byte(`{"inputs":[]}`)})
	if err != nil {
		return err
	}
	var out map[string]any
	return ans.Decode(&out)
}

func all(*http.Request) bool { return true }

func server(t *testing.T, h http.Handler) string {
	t.Helper()
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts.URL
}

func TestSendLearnsWhetherTheRequestWentOut(t *testing.T) {
	answer := func(status int, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			w.WriteHeader(status)
			fmt.Fprint(w, body)
		}
	}
	tests := []struct {
		name    string
		url     string
		timeout time.Duration
		class   upstream.Class
		sent    bool
		unknown bool
	}{
		{"answered", server(t, answer(200, `{}`)), 0, upstream.ClassNone, false, false},
		{"answer lost after the request was read", server(t, httpxtest.AfterApplying(http.NotFoundHandler(), all, httpxtest.HangUp)), 0, upstream.ClassUnavailable, true, true},
		{"client gave up waiting", server(t, httpxtest.AfterApplying(http.NotFoundHandler(), all, httpxtest.Stall)),
			100 * time.Millisecond, upstream.ClassUnavailable, true, true},
		{"connection refused", "http://" + httpxtest.RefusedAddr(t), 0, upstream.ClassUnavailable, false, false},
		{"502", server(t, answer(502, `<html>bad gateway</html>`)), 0, upstream.ClassUnavailable, true, true},
		{"unreadable 200", server(t, answer(200, `{"results":[`)), 0, upstream.ClassUnavailable, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := call(context.Background(), newClient(&http.Client{Timeout: tt.timeout}), tt.url)
			if got := upstream.ClassOf(err); got != tt.class {
				t.Fatalf("class %q (%v), want %q", got, err, tt.class)
			}
			if err == nil {
				return
			}
			e, ok := errors.AsType[*upstream.Error](err)
			if !ok || e.Sent != tt.sent || upstream.OutcomeUnknown(err) != tt.unknown {
				t.Errorf("%v: sent %v, outcome unknown %v; want %v, %v", err, e.Sent, upstream.OutcomeUnknown(err), tt.sent, tt.unknown)
			}
		})
	}
}

func TestSendCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	url := server(t, httpxtest.AfterApplying(http.NotFoundHandler(), all, func(w http.ResponseWriter, r *http.Request) {
		cancel()
		httpxtest.Stall(w, r)
	}))
	err := call(ctx, newClient(&http.Client{}), url)
	if upstream.ClassOf(err) != upstream.ClassCanceled || !errors.Is(err, context.Canceled) || !upstream.OutcomeUnknown(err) {
		t.Errorf("cancelled mid-call: %v (class %q, unknown %v), want canceled and unknown", err,
			upstream.ClassOf(err), upstream.OutcomeUnknown(err))
	}
	err = call(ctx, newClient(&http.Client{}), url)
	if upstream.ClassOf(err) != upstream.ClassCanceled || upstream.OutcomeUnknown(err) {
		t.Errorf("cancelled before the call: %v, want canceled and not sent", err)
	}
}

func TestErrorAnswerNeverHoldsTheToken(t *testing.T) {
	url := server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(400)
		fmt.Fprintf(w, `{"message":"bad header %s"}`, r.Header.Get("Authorization"))
	}))
	err := call(context.Background(), newClient(&http.Client{}), url)
	if err == nil || strings.Contains(err.Error(), token) || !strings.Contains(err.Error(), "<redacted>") {
		t.Errorf("error %v should carry the answer without the token", err)
	}
	if upstream.OutcomeUnknown(err) {
		t.Errorf("a 400 is a definite refusal: %v", err)
	}
}

func TestEncodeRefusesWhatJSONCannotHold(t *testing.T) {
	c := newClient(&http.Client{})
	if b, err := c.Encode("update", nil); b != nil || err != nil {
		t.Errorf("no input: %q, %v; want no body", b, err)
	}
	if _, err := c.Encode("update", func() {}); upstream.ClassOf(err) != upstream.ClassInvalid {
		t.Errorf("unencodable input: %v, want invalid", err)
	}
}
