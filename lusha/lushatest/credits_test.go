package lushatest

import (
	"net/http"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/leadsync/leadsync/crm/upstream"
	"github.com/leadsync/leadsync/lusha"
)

var both = []string{lusha.RevealEmails, lusha.RevealPhones}

func billingFailed(kinds ...string) []lusha.MissingDataPoint {
	var out []lusha.MissingDataPoint
	for _, k := range kinds {
		out = append(out, lusha.MissingDataPoint{Type: k, Status: lusha.MissingBillingFailed})
	}
	return out
}

// Credits that run out during an enrich: the call answers 200 with what they paid for,
// status PARTIAL_OUT_OF_CREDITS, and marks the rest BILLING_FAILED in
// missingDataPoints, leaving it out (reference §5.2 "newer docs", §9 A.5; §10.1 item 4
// asks the fake for this mode beside the 402 one). Once no credit is left, calls that
// would spend answer 402 (S3 faq/billing, §2.2).
func TestCreditsRunOutMidCall(t *testing.T) {
	w := NewWorld(5, 400)
	fake := NewServer(w, Options{})
	conf, srv := newConformance(t, fake)
	c := lusha.NewClient(fake.APIKey(), lusha.WithBaseURL(srv.URL))
	var people []*Person
	for i := range w.People {
		if p := &w.People[i]; knownWithPhones(p) && len(people) < 3 {
			people = append(people, p)
		}
	}
	a, b, cc := people[0], people[1], people[2]
	fake.SetCredits(8) // a: 1+5, b: email 1, then 1 left: nothing more can be paid

	er, _, err := c.EnrichContacts(t.Context(), lusha.ContactsEnrichRequest{IDs: []string{a.ID, b.ID, cc.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if er.Status != lusha.StatusPartialOutOfCredits || er.Billing.CreditsCharged != 7 {
		t.Fatalf("status %q, billing %+v; want PARTIAL_OUT_OF_CREDITS and 7 credits", er.Status, er.Billing)
	}
	if upstream.ClassOf(er.CreditsError()) != upstream.ClassCredits {
		t.Errorf("CreditsError() = %v, want a credits error", er.CreditsError())
	}
	wantB := b.Enriched(lusha.RevealEmails)
	wantB.MissingDataPoints = billingFailed(lusha.DataPointPhone)
	wantC := cc.enriched(nil)
	wantC.MissingDataPoints = billingFailed(lusha.DataPointEmail, lusha.DataPointPhone)
	if diff := cmp.Diff([]lusha.EnrichedContact{a.Enriched(), wantB, wantC}, er.Results); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
	for i, want := range [][]string{nil, {lusha.RevealPhones}, both} {
		if got := er.Results[i].Unbilled(both, true); !slices.Equal(got, want) {
			t.Errorf("result %d: Unbilled = %v, want %v", i, got, want)
		}
	}

	// Nothing paid for at all: OUT_OF_CREDITS, still 200.
	out, _, err := c.EnrichContacts(t.Context(), lusha.ContactsEnrichRequest{IDs: []string{b.ID}, Reveal: []string{lusha.RevealPhones}})
	if err != nil || out.Status != lusha.StatusOutOfCredits || out.Billing.CreditsCharged != 0 {
		t.Fatalf("phones with 1 credit left = %+v, %v; want OUT_OF_CREDITS", out, err)
	}
	// The search of a search-and-enrich is billed first; the last credit pays for it.
	se, _, err := c.SearchAndEnrichContacts(t.Context(), lusha.ContactsSearchAndEnrichRequest{
		Contacts: []lusha.ContactSearchItem{{ClientReferenceID: "c", ID: cc.ID}}})
	if err != nil || se.Status != lusha.StatusOutOfCredits || se.Billing.CreditsCharged != 1 ||
		!slices.Equal(se.Results[0].Unbilled(both, true), both) {
		t.Fatalf("search-and-enrich with 1 credit left = %+v, %v", se, err)
	}
	// No credit left: 402, as for every call that would spend.
	_, resp, err := c.EnrichContacts(t.Context(), lusha.ContactsEnrichRequest{IDs: []string{cc.ID}})
	if upstream.ClassOf(err) != upstream.ClassCredits || resp.StatusCode != http.StatusPaymentRequired {
		t.Fatalf("enrich with no credit left: %v, want 402", err)
	}
	// What was billed is owned; what was not is bought later, once.
	fake.SetCredits(100)
	again, _, err := c.EnrichContacts(t.Context(), lusha.ContactsEnrichRequest{IDs: []string{a.ID, b.ID, cc.ID}})
	if err != nil || again.Status != "" || again.Billing.CreditsCharged != 5+6 {
		t.Errorf("after a top-up = %+v, %v; want b's phones and c's everything (11 credits)", again, err)
	}
	for _, p := range conf.problems {
		t.Error(p)
	}
}
