package lusha

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/leadsync/leadsync/crm/upstream"
)

// cannedTransport answers every request with one status and body, without a network.
type cannedTransport struct {
	status int
	body   []byte
}

func (ct cannedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: ct.status, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(bytes.NewReader(ct.body)), Request: r}, nil
}

// decoderCalls exercise every answer decoder the client has.
var decoderCalls = map[string]func(context.Context, *Client) (any, error){
	"search contacts": func(ctx context.Context, c *Client) (any, error) {
		out, _, err := c.SearchContacts(ctx, ContactsSearchRequest{Contacts: []ContactSearchItem{{ID: "1"}}})
		return out, err
	},
	"enrich contacts": func(ctx context.Context, c *Client) (any, error) {
		out, _, err := c.EnrichContacts(ctx, ContactsEnrichRequest{IDs: []string{"1"}})
		return out, err
	},
	"enrich companies": func(ctx context.Context, c *Client) (any, error) {
		out, _, err := c.EnrichCompanies(ctx, CompaniesEnrichRequest{IDs: []string{"1"}})
		return out, err
	},
	"company signals": func(ctx context.Context, c *Client) (any, error) {
		out, _, err := c.CompanySignals(ctx, CompanySignalsRequest{IDs: []string{"1"}, SignalTypes: []string{SignalAll}})
		return out, err
	},
	"contact lookalikes": func(ctx context.Context, c *Client) (any, error) {
		out, _, err := c.ContactLookalikes(ctx, ContactLookalikesRequest{Seeds: ContactIdentifiers{IDs: []string{"1", "2", "3", "4", "5"}}})
		return out, err
	},
	"list subscriptions": func(ctx context.Context, c *Client) (any, error) {
		out, _, err := c.ListSubscriptionsPage(ctx, 10, 0)
		return out, err
	},
	"account usage": func(ctx context.Context, c *Client) (any, error) {
		out, _, err := c.AccountUsage(ctx)
		return out, err
	},
}

func FuzzAnswerDecoders(f *testing.F) {
	for _, seed := range []struct {
		status int
		body   string
	}{
		{200, `{"requestId":"x","results":[{"id":"1","emails":[],"error":{"code":"NOT_FOUND","message":"m"}}],"billing":{"creditsCharged":0,"resultsReturned":0}}`},
		{200, `{"results":[{"id":"1","companyName":"A","domain":"a.com","surgeInHiring":[{"signalDate":"2026-01-01"}]}],"billing":{}}`},
		{200, `{"results":[{"id":"1","funding":{"rounds":[{"roundAmount":"lots"}]},"intent":7}]}`},
		{200, `{"dedupeSessionId":null,"results":[],"meta":{"returned":0,"hasMore":false}}`},
		{200, `{"data":[{"id":"s","blockedAt":"yesterday"}],"pagination":{"total":1}}`},
		{200, `{"results":[`},
		{200, `null`},
		{200, ``},
		{429, `{"statusCode":429,"message":"Daily API rate limit exceeded. Reset in 99999999999999999999 seconds."}`},
		{400, `{"statusCode":400,"message":["a",1,{"b":2}],"errors":"x"}`},
		{410, `{"code":"DEDUPE_SESSION_INVALID","message":"expired"}`},
		{502, "<html>\xff\xfe</html>"},
		{302, `{}`},
	} {
		f.Add(seed.status, []byte(seed.body))
	}
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 100 || status > 999 {
			t.Skip() // net/http never hands out such a status
		}
		c := NewClient(testKey, WithBaseURL("http://lusha.invalid"),
			WithHTTPClient(&http.Client{Transport: cannedTransport{status: status, body: body}}))
		for name, call := range decoderCalls {
			out, err := call(t.Context(), c)
			if err == nil {
				if status/100 != 2 {
					t.Fatalf("%s: HTTP %d accepted", name, status)
				}
				if out == nil {
					t.Fatalf("%s: no answer and no error", name)
				}
				continue
			}
			ce, ok := errors.AsType[*upstream.Error](err)
			if !ok || !slices.Contains(upstream.Classes, ce.Class) {
				t.Fatalf("%s: unclassified error %T %v", name, err, err)
			}
			if status/100 == 2 && ce.Class != upstream.ClassUnavailable {
				t.Fatalf("%s: unreadable 2xx classified %q, want unavailable", name, ce.Class)
			}
		}
	})
}

func FuzzWebhookPayloads(f *testing.F) {
	f.Add(whBody, "1768407396", "00")
	f.Add([]byte(`{"contactId":"9","fullName":"J","contactOptOutDate":"x","contactExposureDate":"y","datapoints":[]}`), "1", "zz")
	f.Add([]byte(`{"id":1}`), "", "")
	f.Add([]byte(`{"id":"a","type":"t","entityType":"contact","entityId":"1","data":{"personId":"x"}`), "-5", "abc")
	f.Fuzz(func(t *testing.T, body []byte, ts, sig string) {
		for name, parse := range map[string]func([]byte) (any, error){
			"signal":  func(b []byte) (any, error) { return ParseWebhookPayload(b) },
			"opt-out": func(b []byte) (any, error) { return ParseOptOutPayload(b) },
		} {
			out, err := parse(body)
			if err != nil && upstream.ClassOf(err) != upstream.ClassInvalid {
				t.Fatalf("%s: error %v classified %q, want invalid", name, err, upstream.ClassOf(err))
			}
			if err == nil && out == nil {
				t.Fatalf("%s: no payload and no error", name)
			}
		}
		if p, err := ParseWebhookPayload(body); err == nil {
			var data ContactSignalData
			_ = (SignalEvent{Raw: p.Data}).Decode(&data) // must not panic on any data
		}
		v := NewWebhookVerifier(whSecret)
		err := v.Verify(http.Header{HeaderSignature: {sig}, HeaderTimestamp: {ts}}, body)
		known := []error{nil, ErrWebhookUnsigned, ErrWebhookSignature, ErrWebhookStale, ErrWebhookReplay}
		if !slices.ContainsFunc(known, func(e error) bool { return errors.Is(err, e) }) {
			t.Fatalf("Verify returned %v", err)
		}
	})
}

func TestWebhookHandlerRefusesHugeAndGarbageBodies(t *testing.T) {
	v := NewWebhookVerifier(whSecret)
	h := v.Handler(func(*http.Request, WebhookPayload) error { t.Error("garbage was delivered"); return nil })
	huge := strings.Repeat("x", maxBodyBytes+1)
	garbage := []byte(`{"id":`)
	tests := []struct {
		name   string
		body   string
		header http.Header
		want   int
	}{
		{"huge", huge, nil, http.StatusRequestEntityTooLarge},
		{"garbage, signed", string(garbage), signedHeader(whSecret, v.Now(), garbage, false), http.StatusBadRequest},
		{"garbage, unsigned", string(garbage), nil, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/hook", strings.NewReader(tt.body))
			for k, vals := range tt.header {
				req.Header[k] = vals
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.want {
				t.Errorf("status %d, want %d", rec.Code, tt.want)
			}
		})
	}
}
