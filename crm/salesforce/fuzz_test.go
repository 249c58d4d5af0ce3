package salesforce_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/salesforce"
)

// cannedOrg signs in, then answers every data call with one status and body.
type cannedOrg struct {
	status int
	body   []byte
}

func (c cannedOrg) RoundTrip(r *http.Request) (*http.Response, error) {
	status, body := c.status, c.body
	if strings.HasSuffix(r.URL.Path, "/services/oauth2/token") {
		status, body = 200, []byte(`{"access_token":"00Dfake!token","instance_url":"http://org.test","token_type":"Bearer","id":"x","issued_at":"1","signature":"s"}`)
	}
	h := http.Header{"Content-Type": {"application/json;charset=UTF-8"}}
	return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(bytes.NewReader(body)), Request: r}, nil
}

func cannedOrgClient(t *testing.T, status int, body []byte) *salesforce.Client {
	if status < 100 || status > 999 {
		status = 200
	}
	c, err := salesforce.New(salesforce.Config{LoginURL: "http://login.test", ClientID: "id", ClientSecret: "secret"},
		salesforce.WithSettleLag(0), salesforce.WithHTTPClient(&http.Client{Transport: cannedOrg{status, body}}))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// checkClassified fails on an error the connector could not act on.
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

// FuzzQueryAnswer: no SOQL answer, however broken, panics the read or leaves an
// unclassified error (I7).
func FuzzQueryAnswer(f *testing.F) {
	f.Add(200, []byte(`{"totalSize":1,"done":true,"records":[{"attributes":{"type":"Lead"},"Id":"00Q000000000001AAA","SystemModstamp":"2026-03-01T12:00:00.000+0000","Email":"a@b.co"}]}`))
	f.Add(200, []byte(`{"totalSize":2,"done":false,"nextRecordsUrl":"/services/data/v62.0/query/01g-2000","records":[]}`))
	f.Add(200, []byte(`{"done":true,"records":[{"Id":null,"SystemModstamp":"not a time"}]}`))
	f.Add(400, []byte(`[{"message":"unexpected token: FROM","errorCode":"MALFORMED_QUERY"}]`))
	f.Add(403, []byte(`[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]`))
	f.Add(401, []byte(`[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]`))
	f.Add(200, []byte(`{"records":`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		c := cannedOrgClient(t, status, body)
		pages := 0
		for _, err := range c.Changes(context.Background(), crm.ChangesRequest{Object: "Lead", Fields: []string{"Email"}}) {
			checkClassified(t, err)
			if pages++; err != nil || pages > 60 {
				break
			}
		}
	})
}

// FuzzCollectionAnswer: a collection PATCH answer of any shape gives per-record
// results or a classified error, never a panic.
func FuzzCollectionAnswer(f *testing.F) {
	f.Add(200, []byte(`[{"id":"00Q000000000001AAA","success":true,"errors":[]},{"id":null,"success":false,"errors":[{"statusCode":"INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST","message":"bad value","fields":["Seniority__c"]}]}]`))
	f.Add(200, []byte(`[{"success":false,"errors":[{"statusCode":"UNABLE_TO_LOCK_ROW","message":"locked","fields":[]}]}]`))
	f.Add(200, []byte(`{}`))
	f.Add(503, []byte(`[{"message":"down","errorCode":"SERVER_UNAVAILABLE"}]`))
	f.Add(200, []byte(`[null]`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		c := cannedOrgClient(t, status, body)
		patches := []crm.Patch{{RecordID: "00Q000000000001AAA", Fields: map[string]string{"Title": "t"}},
			{RecordID: "00Q000000000002AAA", Fields: map[string]string{"Seniority__c": "x"}}}
		res, err := c.Write(context.Background(), "Lead", patches)
		checkClassified(t, err)
		for _, r := range res {
			checkClassified(t, r.Err)
		}
	})
}

// FuzzDescribeAnswer: describe answers of any shape become a schema or a classified error.
func FuzzDescribeAnswer(f *testing.F) {
	f.Add(200, []byte(`{"name":"Lead","fields":[{"name":"Title","type":"string","length":128,"updateable":true,"nillable":true,"picklistValues":[]}]}`))
	f.Add(200, []byte(`{"fields":[{"name":"S","type":"picklist","restrictedPicklist":true,"picklistValues":[{"value":"A","active":true},null]}]}`))
	f.Add(404, []byte(`[{"errorCode":"NOT_FOUND","message":"The requested resource does not exist"}]`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		_, err := cannedOrgClient(t, status, body).Schema(context.Background(), "Lead")
		checkClassified(t, err)
	})
}
