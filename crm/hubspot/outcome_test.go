package hubspot_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/hubspot"
	"github.com/leadsync/leadsync/crm/hubspot/hubspottest"
	"github.com/leadsync/leadsync/crm/internal/httpx/httpxtest"
	"github.com/leadsync/leadsync/crm/upstream"
)

func isBatchUpdate(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, "/batch/update") }

var ceo = map[string]string{"jobtitle": "CEO"}

// A batch whose answer is lost after HubSpot applied it may have been written: the
// error must say so, or the connector would take values in the CRM for unwritten.
func TestWriteWhoseAnswerIsLostHasUnknownOutcome(t *testing.T) {
	for _, loss := range httpxtest.Losses() {
		t.Run(loss.Name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			fake := hubspottest.NewServer(hubspottest.Options{SearchPerSecond: -1, BurstLimit: -1})
			e := setupHandler(t, fake, httpxtest.AfterApplying(fake, isBatchUpdate, loss.Lose(cancel)), newClock(),
				hubspot.WithHTTPClient(&http.Client{Timeout: loss.Timeout}))
			id := fake.AddContact(map[string]string{"email": "a@example.com"})

			_, err := e.client.Write(ctx, "contacts", []crm.Patch{{RecordID: id, Fields: ceo}})
			if got, _ := fake.Contact(id); got["jobtitle"] != "CEO" {
				t.Fatalf("the fake did not apply the write: %v", got)
			}
			if crm.ClassOf(err) != loss.Class || !upstream.OutcomeUnknown(err) {
				t.Errorf("err = %v (class %q, outcome unknown %v), want %q and unknown", err, crm.ClassOf(err),
					upstream.OutcomeUnknown(err), loss.Class)
			}
		})
	}
}

// A batch that never left the client was not written, and the error says so.
func TestWriteNeverSentHasKnownOutcome(t *testing.T) {
	patches := []crm.Patch{{RecordID: "1", Fields: ceo}}
	refused := hubspot.New(stubToken, hubspot.WithBaseURL("http://"+httpxtest.RefusedAddr(t)), hubspot.WithLimits(unpaced))
	_, err := refused.Write(context.Background(), "contacts", patches)
	if crm.ClassOf(err) != crm.ClassUnavailable || upstream.OutcomeUnknown(err) {
		t.Errorf("connection refused: %v, want unavailable with a known outcome", err)
	}

	e := setup(t, hubspottest.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = e.client.Write(ctx, "contacts", patches)
	if crm.ClassOf(err) != crm.ClassCanceled || upstream.OutcomeUnknown(err) {
		t.Errorf("cancelled before sending: %v, want canceled with a known outcome", err)
	}
}
