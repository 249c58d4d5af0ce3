package connector

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/salesforce"
	"github.com/leadsync/leadsync/crm/salesforce/salesforcetest"
	"github.com/leadsync/leadsync/lusha/lushatest"
)

// staleDescribe serves the fake org behind a describe that still shows field as a
// string, as it was before an admin made it an int: neither the run's checks nor the
// adapter's conversion can then catch a value the org cannot deserialize. It counts
// the collection requests the org refused whole.
type staleDescribe struct {
	org     http.Handler
	field   string
	refused atomic.Int32
}

func (s *staleDescribe) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := httptest.NewRecorder()
	s.org.ServeHTTP(rec, r)
	body := rec.Body.Bytes()
	if strings.HasSuffix(r.URL.Path, "/describe") && rec.Code == http.StatusOK {
		var d map[string]any
		_ = json.Unmarshal(body, &d)
		for _, f := range d["fields"].([]any) {
			if f := f.(map[string]any); f["name"] == s.field {
				f["type"], f["soapType"] = "string", "xsd:string"
			}
		}
		body, _ = json.Marshal(d)
	}
	if strings.HasSuffix(r.URL.Path, "/composite/sobjects") && rec.Code == http.StatusBadRequest &&
		bytes.Contains(body, []byte("JSON_PARSER_ERROR")) {
		s.refused.Add(1)
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.Header().Del("Content-Length")
	w.WriteHeader(rec.Code)
	_, _ = io.Copy(w, bytes.NewReader(body))
}

// TestTypeRefusalIsIsolatedToItsRecord is issue 13's Salesforce 3 at the pipeline
// level: a value Salesforce cannot deserialize fails the whole collections request
// with 400 JSON_PARSER_ERROR (salesforce-api.md §4.6 item 3, §6.3). The adapter
// reports it as the batch's invalid refusal, and the writer halves the chunk until
// the bad record stands alone: it is parked with the CRM's reason, every other
// record is written.
func TestTypeRefusalIsIsolatedToItsRecord(t *testing.T) {
	const mappingYAML = `object: Lead
match: { email: Email, firstName: FirstName, lastName: LastName, companyDomain: { from: Website, transform: domain } }
fields:
  Title: { from: contact.jobTitle.title }
  Score__c: { from: contact.id, map: { "%s": "high" }, default: "7" }
  Lusha_Enriched_At__c: { value: $now, policy: overwrite }
`
	h := newHarness(t, 40, previewMapping, harnessOptions{})
	// The org's clock stands still and the adapter's is a minute on: every lead is
	// settled for the read.
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	org := salesforcetest.NewServer(salesforcetest.Options{Clock: func() time.Time { return t0 }})
	org.DefineField("Lead", salesforcetest.Field{Name: "Score__c", Type: "int"})
	org.DefineField("Lead", salesforcetest.Field{Name: "Lusha_Enriched_At__c", Type: "datetime"})
	var bad *lushatest.Person
	leads := map[string]*lushatest.Person{}
	for i := range h.world.People {
		p := &h.world.People[i]
		if bad == nil && p.Known && !p.Restricted {
			bad = p
		}
		leads[org.AddLead(map[string]string{"FirstName": p.FirstName, "LastName": p.LastName, "Email": p.Email,
			"Company": p.Company.Name, "Website": p.Company.EmailDomain})] = p
	}
	front := &staleDescribe{org: org, field: "Score__c"}
	srv := httptest.NewServer(front)
	defer srv.Close()
	adapter, err := salesforce.New(salesforce.Config{LoginURL: srv.URL, ClientID: org.ClientID(), ClientSecret: org.ClientSecret()},
		salesforce.WithSettleLag(0), salesforce.WithClock(func() time.Time { return t0.Add(time.Minute) }))
	if err != nil {
		t.Fatal(err)
	}
	h.remap(strings.Replace(mappingYAML, "%s", bad.ID, 1))
	h.pipe.CRM, h.pipe.Object = adapter, "Lead"
	h.pipe.Filter = crm.Filter{Missing: []string{"Lusha_Enriched_At__c"}}

	sum := h.run(RunOptions{})
	if sum.Status != RunPartial || sum.RecordsFailed != 1 {
		t.Fatalf("status %s, failed %d, want partial with one record parked: %s", sum.Status, sum.RecordsFailed, sum.Error)
	}
	if front.refused.Load() < 2 {
		t.Errorf("%d requests refused whole: the chunk was never split", front.refused.Load())
	}
	for id, p := range leads {
		lead := org.Lead(id)
		switch {
		case p == bad:
			if lead["Score__c"] != "" || lead["Title"] != "" {
				t.Errorf("the bad record was written: %v", lead)
			}
		case p.Known && !p.Restricted && (lead["Score__c"] != "7" || lead["Lusha_Enriched_At__c"] == ""):
			t.Errorf("good lead %s not written: %v", id, lead)
		}
	}
	parked, err := h.store.Parked(t.Context(), h.pipe.Name, 10)
	if err != nil || len(parked) != 1 || parked[0].Class != string(crm.ClassInvalid) ||
		!strings.Contains(parked[0].Reason, "JSON_PARSER_ERROR") {
		t.Errorf("parked = %+v, %v; want the bad record alone, invalid, with the CRM's reason", parked, err)
	}
}
