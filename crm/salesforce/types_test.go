package salesforce_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/salesforce/salesforcetest"
)

// collectionsTap keeps the sObject Collections bodies sent and the statuses answered.
type collectionsTap struct {
	mu       sync.Mutex
	bodies   [][]map[string]any
	statuses []int
}

func (c *collectionsTap) front(fake http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/composite/sobjects") {
			fake.ServeHTTP(w, r)
			return
		}
		raw, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(raw))
		var in struct {
			Records []map[string]any `json:"records"`
		}
		_ = json.Unmarshal(raw, &in)
		sw := &statusTap{ResponseWriter: w}
		fake.ServeHTTP(sw, r)
		c.mu.Lock()
		defer c.mu.Unlock()
		c.bodies, c.statuses = append(c.bodies, in.Records), append(c.statuses, sw.status)
	})
}

type statusTap struct {
	http.ResponseWriter
	status int
}

func (s *statusTap) WriteHeader(code int) { s.status = code; s.ResponseWriter.WriteHeader(code) }

func defineTypedFields(fake *salesforcetest.Server) {
	fake.DefineField("Lead", salesforcetest.Field{Name: "Verified__c", Type: "boolean"})
	fake.DefineField("Lead", salesforcetest.Field{Name: "Founded__c", Type: "date"})
	fake.DefineField("Lead", salesforcetest.Field{Name: "Seen__c", Type: "datetime"})
}

// Values travel as the JSON type of their describe type (reference §3.4, §4.2): the
// CRM string encoding is converted, so that the org's deserializer reads them.
func TestWriteSendsDescribeTypes(t *testing.T) {
	tap := &collectionsTap{}
	e := setupBehind(t, salesforcetest.Options{}, tap.front)
	defineTypedFields(e.fake)
	id := e.fake.AddLead(map[string]string{"LastName": "Lovelace", "City": "Paris"})
	res, err := e.client.Write(context.Background(), "Lead", []crm.Patch{{RecordID: id, Fields: map[string]string{
		"NumberOfEmployees": "250", "AnnualRevenue": "1500.50", "Verified__c": "TRUE", "Founded__c": "1430438400000",
		"Seen__c": "2026-03-01T12:00:00+01:00", "Title": "CTO", "City": ""}}})
	if err != nil || res[0].Err != nil {
		t.Fatalf("%v %+v", err, res)
	}
	sent := tap.bodies[0][0]
	want := map[string]any{"NumberOfEmployees": 250.0, "AnnualRevenue": 1500.5, "Verified__c": true,
		"Founded__c": "2015-05-01", "Seen__c": "2026-03-01T11:00:00.000Z", "Title": "CTO", "City": nil}
	for k, v := range want {
		if got, ok := sent[k]; !ok || got != v {
			t.Errorf("sent %s = %#v, want %#v", k, got, v)
		}
	}
	if got := e.fake.Lead(id); got["Verified__c"] != "true" || got["NumberOfEmployees"] != "250" || got["City"] != "" {
		t.Errorf("stored %v", got)
	}
}

// A value the org's deserializer cannot read would fail the whole request with 400
// JSON_PARSER_ERROR (reference §4.6 item 3, §6.3; issue 13): it is refused for its
// record alone, before sending, and the record's other fields and the other records
// are written.
func TestWriteRefusesUnreadableValuesPerRecord(t *testing.T) {
	tap := &collectionsTap{}
	e := setupBehind(t, salesforcetest.Options{}, tap.front)
	defineTypedFields(e.fake)
	a := e.fake.AddLead(map[string]string{"LastName": "A"})
	b := e.fake.AddLead(map[string]string{"LastName": "B"})
	c := e.fake.AddLead(map[string]string{"LastName": "C"})
	res, err := e.client.Write(context.Background(), "Lead", []crm.Patch{
		{RecordID: a, Fields: map[string]string{"NumberOfEmployees": "12.5", "Title": "CTO"}},
		{RecordID: b, Fields: map[string]string{"Verified__c": "yes"}},
		{RecordID: c, Fields: map[string]string{"Title": "CEO", "Founded__c": "2026-03-01"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, field := range []string{"NumberOfEmployees", "Verified__c", ""} {
		r := res[i]
		if field == "" {
			if r.Err != nil || len(r.FieldErrors) > 0 {
				t.Errorf("record %d: %+v", i, r)
			}
			continue
		}
		if crm.ClassOf(r.Err) != crm.ClassInvalid || len(r.FieldErrors) != 1 || r.FieldErrors[0].Field != field ||
			r.FieldErrors[0].Code != "JSON_PARSER_ERROR" || strings.Contains(r.Err.Error(), "12.5") {
			t.Errorf("record %d: %+v, want %s refused (without its value)", i, r, field)
		}
	}
	if e.fake.Lead(a)["Title"] != "CTO" || e.fake.Lead(c)["Founded__c"] != "2026-03-01" {
		t.Errorf("good values not written: %v %v", e.fake.Lead(a), e.fake.Lead(c))
	}
	if len(tap.statuses) != 1 || tap.statuses[0] != 200 || len(tap.bodies[0]) != 2 {
		t.Errorf("collections calls %v with %d records, want one 200 without the record that had nothing left", tap.statuses, len(tap.bodies[0]))
	}
}

// When the describe types are stale (an admin changed a field's type), the org fails
// the whole request with JSON_PARSER_ERROR: Write reports it as the batch's invalid
// error, which the connector splits, and reads describe again for the next write.
func TestWriteStaleDescribe(t *testing.T) {
	tap := &collectionsTap{}
	e := setupBehind(t, salesforcetest.Options{}, tap.front)
	e.fake.DefineField("Lead", salesforcetest.Field{Name: "Score__c", Type: "string"})
	a := e.fake.AddLead(map[string]string{"LastName": "A"})
	b := e.fake.AddLead(map[string]string{"LastName": "B"})
	if _, err := e.client.Schema(context.Background(), "Lead"); err != nil {
		t.Fatal(err)
	}
	e.fake.DefineField("Lead", salesforcetest.Field{Name: "Score__c", Type: "int"})
	patches := []crm.Patch{{RecordID: a, Fields: map[string]string{"Score__c": "high"}},
		{RecordID: b, Fields: map[string]string{"Score__c": "7"}}}
	_, err := e.client.Write(context.Background(), "Lead", patches)
	if ce, ok := errors.AsType[*crm.Error](err); !ok || ce.Class != crm.ClassInvalid || ce.Code != "JSON_PARSER_ERROR" || ce.Status != 400 {
		t.Fatalf("err = %v, want the whole batch refused as invalid JSON_PARSER_ERROR", err)
	}
	res, err := e.client.Write(context.Background(), "Lead", patches)
	if err != nil {
		t.Fatal(err)
	}
	if len(res[0].FieldErrors) != 1 || res[1].Err != nil || e.fake.Lead(b)["Score__c"] != "7" {
		t.Errorf("after describe was read again: %+v; stored %v", res, e.fake.Lead(b))
	}
}
