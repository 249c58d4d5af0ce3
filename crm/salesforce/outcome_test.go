package salesforce_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/internal/httpx/httpxtest"
	"github.com/leadsync/leadsync/crm/salesforce"
	"github.com/leadsync/leadsync/crm/salesforce/salesforcetest"
	"github.com/leadsync/leadsync/crm/upstream"
)

func isCollectionWrite(r *http.Request) bool {
	return r.Method == http.MethodPatch && strings.HasSuffix(r.URL.Path, "/composite/sobjects")
}

// A collection whose answer is lost after Salesforce saved it may have been written:
// the error must say so, or the connector would take values in the CRM for unwritten.
func TestWriteWhoseAnswerIsLostHasUnknownOutcome(t *testing.T) {
	for _, loss := range httpxtest.Losses() {
		t.Run(loss.Name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			e := setupBehind(t, salesforcetest.Options{}, func(fake http.Handler) http.Handler {
				return httpxtest.AfterApplying(fake, isCollectionWrite, loss.Lose(cancel))
			}, salesforce.WithHTTPClient(&http.Client{Timeout: loss.Timeout}))
			id := e.fake.AddLead(map[string]string{"LastName": "Doe", "Company": "Acme"})

			_, err := e.client.Write(ctx, "Lead", []crm.Patch{{RecordID: id, Fields: map[string]string{"Title": "CEO"}}})
			if got := e.fake.Lead(id); got["Title"] != "CEO" {
				t.Fatalf("the fake did not apply the write: %v", got)
			}
			if crm.ClassOf(err) != loss.Class || !upstream.OutcomeUnknown(err) {
				t.Errorf("err = %v (class %q, outcome unknown %v), want %q and unknown", err, crm.ClassOf(err),
					upstream.OutcomeUnknown(err), loss.Class)
			}
		})
	}
}

// A collection that never left the client was not written, and the error says so,
// even though the token request before it went out.
func TestWriteNeverSentHasKnownOutcome(t *testing.T) {
	down := httpxtest.RefusedAddr(t)
	e := setupBehind(t, salesforcetest.Options{}, func(fake http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r.Host = down // the token answer names an instance that refuses connections
			fake.ServeHTTP(w, r)
		})
	})
	id := e.fake.AddLead(map[string]string{"LastName": "Doe", "Company": "Acme"})
	patches := []crm.Patch{{RecordID: id, Fields: map[string]string{"Title": "CEO"}}}
	_, err := e.client.Write(context.Background(), "Lead", patches)
	if crm.ClassOf(err) != crm.ClassUnavailable || upstream.OutcomeUnknown(err) || !strings.Contains(err.Error(), "update Lead") {
		t.Errorf("connection refused: %v, want the update unavailable with a known outcome", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = e.client.Write(ctx, "Lead", patches)
	if crm.ClassOf(err) != crm.ClassCanceled || upstream.OutcomeUnknown(err) {
		t.Errorf("cancelled before sending: %v, want canceled with a known outcome", err)
	}
}
