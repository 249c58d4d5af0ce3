package hubspot_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/hubspot"
	"github.com/leadsync/leadsync/crm/hubspot/hubspottest"
)

const stubToken = "pat-na1-secret-token-1234"

// stub answers every call with one canned response.
func stub(t *testing.T, status int, header http.Header, body string) *hubspot.Client {
	t.Helper()
	e := setupHandler(t, nil, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, v := range header {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}), newClock())
	return hubspot.New(stubToken, hubspot.WithBaseURL(e.url))
}

func TestErrorClasses(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		header     http.Header
		body       string
		class      crm.Class
		retryAfter time.Duration
		inMessage  string
	}{
		{"401 expired", 401, nil, `{"status":"error","message":"The OAuth token used to make this call expired 0 second(s) ago.","category":"EXPIRED_AUTHENTICATION","correlationId":"x"}`, crm.ClassAuth, 0, "expired"},
		{"403 missing scopes", 403, nil, `{"status":"error","message":"This app hasn't been granted all required scopes","category":"MISSING_SCOPES","correlationId":"x","errors":[{"message":"One or more of the following scopes are required.","context":{"requiredGranularScopes":["crm.objects.contacts.write","crm.objects.contacts.read"]}}]}`, crm.ClassAuth, 0, "crm.objects.contacts.read, crm.objects.contacts.write"},
		{"429 ten-secondly", 429, nil, `{"status":"error","message":"You have reached your ten_secondly_rolling limit.","errorType":"RATE_LIMIT","policyName":"TEN_SECONDLY_ROLLING"}`, crm.ClassRateLimited, 10 * time.Second, ""},
		{"429 ten-secondly with Retry-After", 429, http.Header{"Retry-After": {"3"}}, `{"policyName":"TEN_SECONDLY_ROLLING"}`, crm.ClassRateLimited, 3 * time.Second, ""},
		{"429 secondly (legacy)", 429, nil, `{"policyName":"SECONDLY"}`, crm.ClassRateLimited, time.Second, ""},
		{"429 search secondly", 429, nil, `{"status":"error","message":"You have reached your secondly limit.","category":"RATE_LIMITS"}`, crm.ClassRateLimited, time.Second, ""},
		{"429 daily", 429, nil, `{"status":"error","message":"You have reached your daily limit.","errorType":"RATE_LIMIT","policyName":"DAILY"}`, crm.ClassQuotaExhausted, 0, "daily"},
		{"500 disguised search limit", 500, nil, `{"status":"error","message":"You have reached your secondly limit.","category":"RATE_LIMITS"}`, crm.ClassRateLimited, time.Second, ""},
		{"423 locked", 423, nil, ``, crm.ClassRateLimited, 2 * time.Second, ""},
		{"477 migration", 477, http.Header{"Retry-After": {"120"}}, `{}`, crm.ClassUnavailable, 2 * time.Minute, ""},
		{"502", 502, nil, `<html>bad gateway</html>`, crm.ClassUnavailable, 0, "bad gateway"},
		{"503 with Retry-After", 503, http.Header{"Retry-After": {"7"}}, ``, crm.ClassUnavailable, 7 * time.Second, ""},
		{"400 validation", 400, nil, `{"status":"error","message":"Invalid input","category":"VALIDATION_ERROR","correlationId":"x"}`, crm.ClassInvalid, 0, "Invalid input"},
		{"404", 404, nil, `{"status":"error","message":"resource not found","category":"OBJECT_NOT_FOUND"}`, crm.ClassInvalid, 0, ""},
		{"409 conflict", 409, nil, `{"status":"error","message":"Contact already exists. Existing ID: 1","category":"CONFLICT"}`, crm.ClassConflict, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := stub(t, tt.status, tt.header, tt.body)
			calls := map[string]error{}
			_, calls["schema"] = c.Schema(context.Background(), "contacts")
			_, calls["write"] = c.Write(context.Background(), "contacts", []crm.Patch{{RecordID: "1", Fields: map[string]string{"city": "x"}}})
			_, calls["changes"] = readAll(t, c, crm.ChangesRequest{Object: "contacts"})
			for op, err := range calls {
				if got := crm.ClassOf(err); got != tt.class {
					t.Errorf("%s: class = %s, want %s (%v)", op, got, tt.class, err)
				}
				if got := crm.RetryAfter(err); got != tt.retryAfter {
					t.Errorf("%s: retry after = %v, want %v", op, got, tt.retryAfter)
				}
				if !strings.Contains(err.Error(), tt.inMessage) || strings.Contains(err.Error(), stubToken) {
					t.Errorf("%s: message %q should name %q and never the token", op, err, tt.inMessage)
				}
				if e, ok := errors.AsType[*crm.Error](err); !ok || e.Status != tt.status {
					t.Errorf("%s: %v carries no *crm.Error with status %d", op, err, tt.status)
				}
			}
		})
	}
}

func TestTransportErrors(t *testing.T) {
	e := setupHandler(t, nil, http.NotFoundHandler(), newClock())
	closed := hubspot.New(stubToken, hubspot.WithBaseURL("http://127.0.0.1:1"))
	if _, err := closed.Schema(context.Background(), "contacts"); crm.ClassOf(err) != crm.ClassUnavailable || strings.Contains(err.Error(), stubToken) {
		t.Errorf("connection refused: %v, want unavailable without the token", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c := hubspot.New(stubToken, hubspot.WithBaseURL(e.url))
	if _, err := c.Schema(ctx, "contacts"); crm.ClassOf(err) != crm.ClassCanceled || !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: %v, want canceled", err)
	}
	garbled := stub(t, 200, nil, `{"results": [`)
	if _, err := garbled.Schema(context.Background(), "contacts"); crm.ClassOf(err) != crm.ClassUnavailable {
		t.Errorf("garbled answer: %v, want unavailable", err)
	}
}

// The fake's own limits and auth come back with the right classes.
func TestFakeLimitsAndAuth(t *testing.T) {
	tests := []struct {
		name  string
		opts  hubspottest.Options
		token string
		class crm.Class
	}{
		{"wrong token", hubspottest.Options{}, "wrong", crm.ClassAuth},
		{"burst", hubspottest.Options{BurstLimit: 1}, "", crm.ClassRateLimited},
		{"daily", hubspottest.Options{DailyLimit: 1}, "", crm.ClassQuotaExhausted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := setup(t, tt.opts)
			c := e.client
			if tt.token != "" {
				c = hubspot.New(tt.token, hubspot.WithBaseURL(e.url))
			}
			_, err := c.Schema(context.Background(), "contacts")
			if tt.token == "" {
				_, err = c.Schema(context.Background(), "contacts")
			}
			if crm.ClassOf(err) != tt.class {
				t.Errorf("err = %v, want %s", err, tt.class)
			}
		})
	}
	t.Run("search per second", func(t *testing.T) {
		e := setup(t, hubspottest.Options{SearchPerSecond: 1})
		if _, err := readAll(t, e.client, crm.ChangesRequest{Object: "contacts"}); err != nil {
			t.Fatal(err)
		}
		_, err := readAll(t, e.client, crm.ChangesRequest{Object: "contacts"})
		if crm.ClassOf(err) != crm.ClassRateLimited || crm.RetryAfter(err) != time.Second {
			t.Errorf("err = %v, want rate_limited with 1 s", err)
		}
		e.clock.Advance(time.Second)
		if _, err := readAll(t, e.client, crm.ChangesRequest{Object: "contacts"}); err != nil {
			t.Errorf("after a second: %v", err)
		}
	})
}

// A refusal keeps being narrowed down while it names properties the records write;
// one that names none of them is about the batch, so the split ends there and, since
// nothing was written, the batch error stands for the connector to handle.
func TestWriteRefusalNamingNothingEndsTheSplit(t *testing.T) {
	var calls atomic.Int32
	e := setupHandler(t, nil, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		prop := []string{"city", "country", "zip"}[min(calls.Add(1)-1, 2)]
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		w.WriteHeader(400)
		fmt.Fprintf(w, `{"status":"error","message":"Property values were not valid","category":"VALIDATION_ERROR","correlationId":"x",
			"errors":[{"message":"Property \"%s\" does not exist","code":"PROPERTY_DOESNT_EXIST","context":{"propertyName":["%s"]}}]}`, prop, prop)
	}), newClock())
	c := hubspot.New(stubToken, hubspot.WithBaseURL(e.url))
	_, err := c.Write(context.Background(), "contacts", []crm.Patch{
		{RecordID: "1", Fields: map[string]string{"city": "a", "country": "b", "jobtitle": "c"}},
		{RecordID: "2", Fields: map[string]string{"city": "a"}},
	})
	if crm.ClassOf(err) != crm.ClassInvalid || !strings.Contains(err.Error(), "VALIDATION_ERROR") {
		t.Errorf("err = %v, want the batch's invalid refusal", err)
	}
	if calls.Load() != 3 {
		t.Errorf("%d calls, want 3: city, country, then a refusal of nothing sent", calls.Load())
	}
}

func TestTokenNeverPrinted(t *testing.T) {
	c := hubspot.New(stubToken)
	for _, s := range []string{fmt.Sprint(c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c), fmt.Sprintf("%v", *c)} {
		if strings.Contains(s, stubToken) {
			t.Errorf("token printed: %s", s)
		}
	}
}
