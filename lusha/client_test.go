package lusha

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/leadsync/leadsync/crm/upstream"
)

const testKey = "5e3cret-key-0000-4000-8000-feedfacecafe"

// serve starts a server answering every request with status, headers and body.
func serve(t *testing.T, status int, header http.Header, body string) *Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, v := range header {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}))
	t.Cleanup(srv.Close)
	return NewClient(testKey, WithBaseURL(srv.URL))
}

var oneContact = ContactsSearchRequest{Contacts: []ContactSearchItem{{Email: "a@b.com"}}}

func TestStatusClassification(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		body      string
		header    http.Header
		wantClass upstream.Class
		wantWait  time.Duration
		wantMsg   string
		wantErrs  []string
	}{
		{"per-second 429", 429, `{"statusCode":429,"message":"Too many requests. Please wait before making another request."}`, nil,
			upstream.ClassRateLimited, 0, "Too many requests. Please wait before making another request.", nil},
		{"hourly 429 with reset", 429, `{"statusCode":429,"message":"Hourly API rate limit exceeded. Limit: 10 calls per hour. Reset in 42 seconds."}`, nil,
			upstream.ClassRateLimited, 42 * time.Second, "Hourly API rate limit exceeded. Limit: 10 calls per hour. Reset in 42 seconds.", nil},
		{"daily 429 is quota", 429, `{"statusCode":429,"message":"Daily API rate limit exceeded. Limit: 25 calls per day. Reset in 81671 seconds.","timestamp":"2025-08-29T17:51:45.469Z"}`, nil,
			upstream.ClassQuotaExhausted, 81671 * time.Second, "Daily API rate limit exceeded. Limit: 25 calls per day. Reset in 81671 seconds.", nil},
		{"429 with daily window empty is quota", 429, `{"statusCode":429,"message":"Too many requests."}`,
			http.Header{"X-Daily-Requests-Left": {"0"}}, upstream.ClassQuotaExhausted, 0, "Too many requests.", nil},
		{"402 credits", 402, `{"statusCode":402,"message":"Insufficient credits for this operation"}`, nil,
			upstream.ClassCredits, 0, "Insufficient credits for this operation", nil},
		{"451 restricted", 451, `{"statusCode":451,"message":"We are unable to process this contact request due to our GDPR regulations"}`, nil,
			upstream.ClassRestricted, 0, "We are unable to process this contact request due to our GDPR regulations", nil},
		{"401 auth", 401, `{"statusCode":401,"message":"Invalid API key"}`, nil, upstream.ClassAuth, 0, "Invalid API key", nil},
		{"401 other shape", 401, `{"statusCode":401,"error":"invalid_request"}`, nil, upstream.ClassAuth, 0, "invalid_request", nil},
		{"403 auth", 403, `{"statusCode":403,"message":"V3 API access is not enabled for your account"}`, nil,
			upstream.ClassAuth, 0, "V3 API access is not enabled for your account", nil},
		{"400 with details", 400, `{"statusCode":400,"message":"Validation failed","errors":["property domain should not exist"]}`, nil,
			upstream.ClassInvalid, 0, "Validation failed", []string{"property domain should not exist"}},
		{"400 NestJS array", 400, `{"statusCode":400,"message":["contacts must contain at least 1 elements","x"],"error":"Bad Request"}`, nil,
			upstream.ClassInvalid, 0, "contacts must contain at least 1 elements", []string{"contacts must contain at least 1 elements", "x"}},
		{"404 invalid", 404, `{"statusCode":404,"message":"Resource not found"}`, nil, upstream.ClassInvalid, 0, "Resource not found", nil},
		{"410 invalid", 410, `{"code":"DEDUPE_SESSION_INVALID","message":"expired"}`, nil, upstream.ClassInvalid, 0, "expired", nil},
		{"422 invalid", 422, `{}`, nil, upstream.ClassInvalid, 0, "", nil},
		{"500 unavailable", 500, `{"statusCode":500,"message":"Internal server error. Please try again later."}`, nil,
			upstream.ClassUnavailable, 0, "Internal server error. Please try again later.", nil},
		{"502 html", 502, `<html>Bad gateway</html>`, nil, upstream.ClassUnavailable, 0, "<html>Bad gateway</html>", nil},
		{"503 empty", 503, ``, nil, upstream.ClassUnavailable, 0, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := serve(t, tt.status, tt.header, tt.body)
			out, resp, err := c.SearchContacts(t.Context(), oneContact)
			if out != nil {
				t.Errorf("answer = %+v, want nil on error", out)
			}
			if resp == nil || resp.StatusCode != tt.status {
				t.Fatalf("response = %v, want status %d", resp, tt.status)
			}
			if got := upstream.ClassOf(err); got != tt.wantClass {
				t.Errorf("class = %q, want %q (err %v)", got, tt.wantClass, err)
			}
			if got := upstream.RetryAfter(err); got != tt.wantWait {
				t.Errorf("retry after = %v, want %v", got, tt.wantWait)
			}
			er, ok := errors.AsType[*ErrorResponse](err)
			if !ok {
				t.Fatalf("error %v does not wrap *ErrorResponse", err)
			}
			if er.StatusCode != tt.status || er.Message != tt.wantMsg || !cmp.Equal(er.Errors, tt.wantErrs) {
				t.Errorf("ErrorResponse = %+v, want status %d message %q errors %q", er, tt.status, tt.wantMsg, tt.wantErrs)
			}
			if ce, _ := errors.AsType[*upstream.Error](err); ce.Service != "lusha" || ce.Op != "search contacts" || ce.Status != tt.status {
				t.Errorf("upstream.Error = %+v", ce)
			}
		})
	}
}

func TestTransportAndContextErrors(t *testing.T) {
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(block); srv.Close() })
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()

	canceled, cancel := context.WithCancel(t.Context())
	cancel()
	expired, cancel2 := context.WithDeadline(t.Context(), time.Unix(1, 0))
	defer cancel2()
	tests := []struct {
		name string
		url  string
		ctx  context.Context
		want upstream.Class
	}{
		{"connection refused", closedURL, t.Context(), upstream.ClassUnavailable},
		{"canceled", srv.URL, canceled, upstream.ClassCanceled},
		{"deadline", srv.URL, expired, upstream.ClassUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewClient(testKey, WithBaseURL(tt.url))
			_, resp, err := c.AccountUsage(tt.ctx)
			if resp != nil {
				t.Errorf("response = %v, want nil without an answer", resp)
			}
			if got := upstream.ClassOf(err); got != tt.want {
				t.Errorf("class = %q, want %q (err %v)", got, tt.want, err)
			}
			if strings.Contains(err.Error(), testKey) {
				t.Errorf("error leaks the API key: %v", err)
			}
		})
	}
}

func TestMalformedAndOversizedAnswers(t *testing.T) {
	tests := []struct {
		name string
		body string
	}{
		{"not JSON", `{"results":[`},
		{"wrong type", `{"results":"nope"}`},
		{"too large", `{"requestId":"` + strings.Repeat("x", maxBodyBytes) + `"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := serve(t, 200, nil, tt.body)
			_, _, err := c.SearchContacts(t.Context(), oneContact)
			if got := upstream.ClassOf(err); got != upstream.ClassUnavailable {
				t.Errorf("class = %q, want unavailable (err %v)", got, err)
			}
		})
	}
}

func TestSecretNeverInErrors(t *testing.T) {
	// A server that echoes the key back must not get it into our error text.
	c := serve(t, 401, nil, `{"statusCode":401,"message":"Invalid API key `+testKey+`","errors":["key `+testKey+`"]}`)
	_, _, err := c.AccountUsage(t.Context())
	if err == nil || strings.Contains(err.Error(), testKey) {
		t.Errorf("error = %v, want one without the key", err)
	}
	for _, s := range []string{c.String(), fmt.Sprintf("%v %+v %#v", c, c, c)} {
		if strings.Contains(s, testKey) {
			t.Errorf("client formatting leaks the key: %s", s)
		}
	}
}

func TestBatchLimitsCheckedBeforeSending(t *testing.T) {
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { calls++ }))
	t.Cleanup(srv.Close)
	c := NewClient(testKey, WithBaseURL(srv.URL))
	tooMany := make([]string, MaxBatch+1)
	for i := range tooMany {
		tooMany[i] = fmt.Sprint(i)
	}
	checks := map[string]func() error{
		"empty search": func() error { _, _, err := c.SearchContacts(t.Context(), ContactsSearchRequest{}); return err },
		"101 enrich": func() error {
			_, _, err := c.EnrichContacts(t.Context(), ContactsEnrichRequest{IDs: tooMany})
			return err
		},
		"empty s&e": func() error {
			_, _, err := c.SearchAndEnrichContacts(t.Context(), ContactsSearchAndEnrichRequest{})
			return err
		},
		"empty companies": func() error { _, _, err := c.SearchCompanies(t.Context(), CompaniesSearchRequest{}); return err },
		"101 companies": func() error {
			_, _, err := c.EnrichCompanies(t.Context(), CompaniesEnrichRequest{IDs: tooMany})
			return err
		},
	}
	for name, call := range checks {
		if got := upstream.ClassOf(call()); got != upstream.ClassInvalid {
			t.Errorf("%s: class = %q, want invalid", name, got)
		}
	}
	if calls != 0 {
		t.Errorf("%d requests reached the server, want 0", calls)
	}
}

func TestRequestShape(t *testing.T) {
	var got struct {
		method, path, key, contentType, ua string
		body                               map[string]any
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.method, got.path, got.key = r.Method, r.URL.Path, r.Header.Get("api_key")
		got.contentType, got.ua = r.Header.Get("Content-Type"), r.Header.Get("User-Agent")
		_ = json.NewDecoder(r.Body).Decode(&got.body)
		fmt.Fprint(w, `{"requestId":"x","results":[{"id":"1","emails":[],"error":{"code":"NOT_FOUND","message":"m"}}],"billing":{"creditsCharged":0,"resultsReturned":0}}`)
	}))
	t.Cleanup(srv.Close)
	c := NewClient(testKey, WithBaseURL(srv.URL+"/"), WithUserAgent("leadsync-test"), WithHTTPClient(srv.Client()))
	out, _, err := c.EnrichContacts(t.Context(), ContactsEnrichRequest{IDs: []string{"1"}, Reveal: []string{RevealEmails}})
	if err != nil {
		t.Fatal(err)
	}
	if got.method != "POST" || got.path != "/v3/contacts/enrich" || got.key != testKey ||
		got.contentType != "application/json" || got.ua != "leadsync-test" {
		t.Errorf("request = %+v", got)
	}
	wantBody := map[string]any{"ids": []any{"1"}, "reveal": []any{"emails"}}
	if diff := cmp.Diff(wantBody, got.body); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
	r := out.Results[0]
	if r.Emails == nil || len(r.Emails) != 0 || r.Phones != nil {
		t.Errorf("emails %#v phones %#v: want revealed-empty emails and unrevealed phones", r.Emails, r.Phones)
	}
	if r.Error.Class() != upstream.ClassNoMatch {
		t.Errorf("item class = %q", r.Error.Class())
	}
}

func TestParseRate(t *testing.T) {
	full := http.Header{}
	for name, v := range map[string]string{
		HeaderLimitDaily: "5000", HeaderLeftDaily: "4880", HeaderUsageDaily: "120",
		HeaderLimitHourly: "600", HeaderLeftHourly: "590", HeaderUsageHourly: "10",
		HeaderLimitMinute: "300", HeaderLeftMinute: "0", HeaderUsageMinute: "300",
	} {
		full.Set(name, v)
	}
	tests := []struct {
		name   string
		header http.Header
		want   Rate
	}{
		{"all nine", full, Rate{Daily: Window{5000, 4880, 120}, Hourly: Window{600, 590, 10}, Minute: Window{300, 0, 300}}},
		{"absent", http.Header{}, Rate{Daily: Window{-1, -1, -1}, Hourly: Window{-1, -1, -1}, Minute: Window{-1, -1, -1}}},
		{"garbage and partial", http.Header{"X-Rate-Limit-Daily": {"lots"}, "X-Daily-Requests-Left": {" 7 "}},
			Rate{Daily: Window{-1, 7, -1}, Hourly: Window{-1, -1, -1}, Minute: Window{-1, -1, -1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, ParseRate(tt.header)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	if r := ParseRate(full); !r.Minute.Known() || !r.Minute.Exhausted() || r.Daily.Exhausted() {
		t.Errorf("Known/Exhausted wrong for %+v", r)
	}
	if (Window{-1, -1, -1}).Known() {
		t.Error("absent window reported as known")
	}
}

func TestItemErrorClass(t *testing.T) {
	tests := []struct {
		code string
		want upstream.Class
	}{
		{ItemNotFound, upstream.ClassNoMatch},
		{ItemNoScore, upstream.ClassNoMatch},
		{ItemComplianceRestricted, upstream.ClassRestricted},
		{ItemEnrichFailed, upstream.ClassUnavailable},
		{"SOMETHING_NEW", upstream.ClassUnavailable},
	}
	for _, tt := range tests {
		e := &ItemError{Code: tt.code, Message: "m"}
		if e.Class() != tt.want || upstream.ClassOf(e) != tt.want {
			t.Errorf("%s: class %q / ClassOf %q, want %q", tt.code, e.Class(), upstream.ClassOf(e), tt.want)
		}
	}
	if (*ItemError)(nil).Class() != upstream.ClassNone {
		t.Error("nil item error should have no class")
	}
}
