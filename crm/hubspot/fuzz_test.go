package hubspot_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/hubspot"
)

// canned answers every request with one status, Retry-After and body, in process.
type canned struct {
	status     int
	retryAfter string
	body       []byte
}

func (c canned) RoundTrip(r *http.Request) (*http.Response, error) {
	h := http.Header{"Content-Type": {"application/json;charset=utf-8"}}
	if c.retryAfter != "" {
		h.Set("Retry-After", c.retryAfter)
	}
	return &http.Response{StatusCode: c.status, Header: h, Body: io.NopCloser(bytes.NewReader(c.body)), Request: r}, nil
}

func cannedClient(status int, retryAfter string, body []byte) *hubspot.Client {
	if status < 100 || status > 999 {
		status = 200
	}
	return hubspot.New(stubToken, hubspot.WithBaseURL("http://hubspot.test"), hubspot.WithLimits(unpaced),
		hubspot.WithHTTPClient(&http.Client{Transport: canned{status, retryAfter, body}}))
}

// checkClassified fails on an error without a class a connector can act on.
func checkClassified(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if _, ok := err.(crm.Classified); !ok {
		t.Fatalf("unclassified error %T: %v", err, err)
	}
	if c := crm.ClassOf(err); c == crm.ClassNone || c == crm.ClassCanceled {
		t.Fatalf("error of class %q: %v", c, err)
	}
}

func FuzzSearchAnswer(f *testing.F) {
	f.Add(200, []byte(`{"total":1,"results":[{"id":"1","properties":{"lastmodifieddate":"2026-03-01T12:00:00.000Z","hs_object_id":"1"},"createdAt":"x","updatedAt":"y","archived":false}]}`))
	f.Add(200, []byte(`{"total":3,"results":[],"paging":{"next":{"after":"9990"}}}`))
	f.Add(200, []byte(`{"total":1,"results":[{"id":"","properties":{"hs_merged_object_ids":";;1;x"}}],"paging":{"next":{"after":"abc"}}}`))
	f.Add(200, []byte(`{"results":null,"paging":{"next":null}}`))
	f.Add(200, []byte(`[]`))
	f.Add(429, []byte(`{"status":"error","message":"You have reached your secondly limit.","category":"RATE_LIMITS"}`))
	f.Add(200, []byte(`{"total":1,"results":[{"id":"18446744073709551616","properties":{"lastmodifieddate":"-1"}}],"paging":{"next":{"after":"1"}}}`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		c := cannedClient(status, "", body)
		pages := 0
		for _, err := range c.Changes(context.Background(), crm.ChangesRequest{Object: "contacts", Fields: []string{"email"}}) {
			checkClassified(t, err)
			// A server that always has a next page must not keep the read going
			// forever; stop the test's loop ourselves past any sane length.
			if pages++; err != nil || pages > 60 {
				break
			}
		}
	})
}

func FuzzBatchAnswer(f *testing.F) {
	f.Add(200, []byte(`{"status":"COMPLETE","results":[{"id":"1","properties":{"lastmodifieddate":"2026-03-01T12:00:00.000Z"}},{"id":"2","properties":{}}]}`))
	f.Add(207, []byte(`{"status":"COMPLETE","results":[],"errors":[{"status":"error","category":"OBJECT_NOT_FOUND","message":"m","context":{"ids":["2",""]}}]}`))
	f.Add(400, []byte(`{"status":"error","message":"Property values were not valid: [{\"isValid\":false,\"message\":\"x was not one of the allowed options\",\"error\":\"INVALID_OPTION\",\"name\":\"city\"}]","category":"VALIDATION_ERROR"}`))
	f.Add(400, []byte(`{"status":"error","category":"VALIDATION_ERROR","errors":[{"message":"\"a\" bad","code":"INVALID_OPTION","context":{"propertyName":["city","jobtitle"]}}]}`))
	f.Add(200, []byte(`{"results":[{"id":"1"},{"id":"1"}],"errors":null}`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		c := cannedClient(status, "", body)
		patches := []crm.Patch{{RecordID: "1", Fields: map[string]string{"city": "a", "jobtitle": "b"}},
			{RecordID: "2", Fields: map[string]string{"city": "a"}}}
		res, err := c.Write(context.Background(), "contacts", patches)
		checkClassified(t, err)
		if err != nil {
			return
		}
		if len(res) != len(patches) {
			t.Fatalf("%d results for %d patches", len(res), len(patches))
		}
		for i, r := range res {
			if r.RecordID != patches[i].RecordID {
				t.Fatalf("result %d is for %q", i, r.RecordID)
			}
			checkClassified(t, r.Err)
			if len(r.FieldErrors) > 0 && r.Err == nil {
				t.Fatalf("field errors without an error: %+v", r)
			}
		}
	})
}

func FuzzErrorBody(f *testing.F) {
	f.Add(401, "", []byte(`{"status":"error","message":"The OAuth token used to make this call expired 0 second(s) ago.","category":"EXPIRED_AUTHENTICATION","context":{"expire time":["2026-03-10T23:04:41.164Z"]}}`))
	f.Add(403, "", []byte(`{"status":"error","message":"m","errors":[{"message":"s","context":{"requiredGranularScopes":["a","b"]}}],"category":"MISSING_SCOPES"}`))
	f.Add(429, "3", []byte(`{"status":"error","message":"You have reached your daily limit.","errorType":"RATE_LIMIT","policyName":"DAILY"}`))
	f.Add(477, "Wed, 21 Oct 2015 07:28:00 GMT", []byte(`not json`))
	f.Add(500, "", []byte(`{"category":"RATE_LIMITS","message":"You have reached your secondly limit."}`))
	f.Add(423, "-5", []byte(`{"context":{"a":"not a list"}}`))
	f.Fuzz(func(t *testing.T, status int, retryAfter string, body []byte) {
		if status < 300 || status > 999 {
			status = 500
		}
		_, err := cannedClient(status, retryAfter, body).Schema(context.Background(), "contacts")
		if err == nil {
			t.Fatalf("status %d answered without an error", status)
		}
		checkClassified(t, err)
		if crm.RetryAfter(err) < 0 {
			t.Fatalf("negative retry hint: %v", crm.RetryAfter(err))
		}
	})
}
