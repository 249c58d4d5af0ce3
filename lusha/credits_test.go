package lusha

import (
	"slices"
	"testing"

	"github.com/leadsync/leadsync/crm/upstream"
)

// An enrich that ran out of credits (reference §5.2 newer docs) is a 200 whose status
// and per-result missingDataPoints say what was not billed.
func TestOutOfCreditsAnswer(t *testing.T) {
	c := serve(t, 200, nil, `{"requestId":"r","status":"PARTIAL_OUT_OF_CREDITS","statusDescription":"credits ran out",
		"results":[
		 {"id":"1","emails":[{"email":"a@x.com"}],"phones":[],"missingDataPoints":[{"type":"phone","status":"NOT_FOUND"}]},
		 {"id":"2","emails":[{"email":"b@x.com"}],"missingDataPoints":[{"type":"phone","status":"BILLING_FAILED"}]},
		 {"id":"3"},
		 {"id":"4","error":{"code":"NOT_FOUND","message":"Contact not found"}}],
		"billing":{"creditsCharged":2,"resultsReturned":3}}`)
	out, _, err := c.EnrichContacts(t.Context(), ContactsEnrichRequest{IDs: []string{"1", "2", "3", "4"}})
	if err != nil {
		t.Fatal(err)
	}
	cerr := out.CreditsError()
	if upstream.ClassOf(cerr) != upstream.ClassCredits || cerr.Error() == "" {
		t.Fatalf("CreditsError() = %v, want a credits error", cerr)
	}
	both := []string{RevealEmails, RevealPhones}
	for i, want := range [][]string{nil, {RevealPhones}, both, nil} {
		if got := out.Results[i].Unbilled(both, true); !slices.Equal(got, want) {
			t.Errorf("result %d: Unbilled = %v, want %v", i, got, want)
		}
	}
	// Without the status only the markers count: an absent list is not a verdict.
	if got := out.Results[2].Unbilled(both, false); got != nil {
		t.Errorf("Unbilled outside an out-of-credits answer = %v", got)
	}
	if (&ContactsEnrichResponse{EnrichStatus: EnrichStatus{Status: "completed"}}).CreditsError() != nil {
		t.Error("a completed answer has a credits error")
	}
}
