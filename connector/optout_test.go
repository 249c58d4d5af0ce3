package connector

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/leadsync/leadsync/connector/config"
	"github.com/leadsync/leadsync/connector/signals"
	"github.com/leadsync/leadsync/crm/hubspot/hubspottest"
	"github.com/leadsync/leadsync/lusha"
	"github.com/leadsync/leadsync/lusha/lushatest"
	"github.com/leadsync/leadsync/state"
)

// TestOptOutWebhookStopsLushaRequests: two people are enriched; Lusha then delivers,
// signed, an opt-out of one of them to the real receiver, which the processor
// applies. Both records are made due again, past the cache's life: the next sync
// asks Lusha about the other person again and names the opted-out one in no
// request, nor writes their record.
func TestOptOutWebhookStopsLushaRequests(t *testing.T) {
	ctx := t.Context()
	h := newHarness(t, 40, phonesMapping, harnessOptions{})
	id, p := h.revealable(t)
	otherID, other := h.otherRevealable(t, p)
	h.run(RunOptions{})
	if c, _ := h.hub.Contact(id); c["phone"] == "" {
		t.Fatalf("contact %s was not enriched: %v", id, c)
	}
	if !h.names(h.sent(), p) {
		t.Fatal("the first sync named the person in no Lusha request; the test would prove nothing")
	}

	h.optOut(t, signals.NewProcessor(signals.ProcessorOptions{Store: h.store}), p)
	if sup, err := h.store.Suppressed(ctx, state.LushaKey(p.ID)); err != nil || !sup {
		t.Fatalf("the person is not suppressed: %v %v", sup, err)
	}

	for _, c := range []string{id, otherID} {
		h.hub.UpdateContact(c, map[string]string{"lusha_enriched_at": "", "phone": "", "jobtitle": ""})
	}
	h.settle()
	h.runner.Runner.Now = func() time.Time { return time.Now().Add(60 * 24 * time.Hour) } // the cache expired
	before := len(h.sent())
	sum := h.run(RunOptions{})
	after := h.sent()[before:]
	if sum.RecordsRead < 2 {
		t.Fatalf("the second sync read %d records, want both due again", sum.RecordsRead)
	}
	if !h.names(after, other) {
		t.Error("the second sync did not ask Lusha about the other person: the record was not due again")
	}
	if h.names(after, p) {
		t.Error("a Lusha request named the opted-out person")
	}
	if c, _ := h.hub.Contact(id); c["phone"] != "" || c["jobtitle"] != "" {
		t.Errorf("the opted-out person's record was written: %v", c)
	}
}

// optOut has the fake Lusha deliver, signed, p's opt-out to a real receiver on
// the harness's store, and proc apply it.
func (h *harness) optOut(t *testing.T, proc *signals.Processor, p *lushatest.Person) {
	t.Helper()
	ctx := t.Context()
	client := lusha.NewClient(h.lusha.APIKey(), lusha.WithBaseURL(h.lushaURL))
	secret, _, err := client.RegenerateAccountSecret(ctx)
	if err != nil {
		t.Fatal(err)
	}
	hook := httptest.NewServer(signals.NewReceiver(signals.ReceiverOptions{Inbox: h.store, Secret: secret.Reveal()}))
	t.Cleanup(hook.Close)
	if _, _, err := client.CreateOptOutSubscription(ctx, lusha.CreateOptOutSubscriptionRequest{URL: hook.URL + signals.Path}); err != nil {
		t.Fatal(err)
	}
	if n := h.lusha.EmitOptOut(lusha.OptOutPayload{ContactID: p.ID, FullName: p.FirstName + " " + p.LastName,
		ContactOptOutDate: "2026-11-20 10:00:00", ContactExposureDate: "2025-08-03 09:15:47",
		Datapoints: []lusha.OptOutDatapoint{{DatapointID: p.Email, DatapointType: "email"}}}); n != 1 {
		t.Fatalf("opt-out deliveries = %d, want 1", n)
	}
	h.lusha.WaitDeliveries()
	if n, err := proc.Drain(ctx); err != nil || n != 1 {
		t.Fatalf("processed %d deliveries (%v), want the opt-out", n, err)
	}
}

// TestOptOutCRMAction: lusha.opt_out clears, on the opted-out person's record, the
// fields whose value is still the one leadsync wrote, keeps the one a human
// changed since, and sets the do-not-enrich marker; another person's record and a
// second pass are left alone.
func TestOptOutCRMAction(t *testing.T) {
	h := newHarness(t, 40, phonesMapping, harnessOptions{})
	h.hub.DefineProperty(hubspottest.Property{Name: "lusha_do_not_enrich", Type: "string", FieldType: "text",
		GroupName: "contactinformation"})
	id, p := h.revealable(t)
	otherID, _ := h.otherRevealable(t, p)
	h.run(RunOptions{})
	before, _ := h.hub.Contact(id)
	otherBefore, _ := h.hub.Contact(otherID)
	if before["phone"] == "" || before["jobtitle"] == "" {
		t.Fatalf("contact %s was not enriched: %v", id, before)
	}
	h.hub.UpdateContact(id, map[string]string{"jobtitle": "Head of Things (typed by a human)"})
	eng := &Engine{Config: &config.Config{Lusha: config.Lusha{OptOut: config.OptOut{ClearOwnedFields: true,
		Marker: config.Marker{Field: "lusha_do_not_enrich", Value: "true"}}}},
		Accounts: h.accts, Pipelines: []*Pipeline{h.pipe}}
	proc := signals.NewProcessor(signals.ProcessorOptions{Store: h.store, CRM: optOutAction(eng)})
	h.optOut(t, proc, p)
	after, _ := h.hub.Contact(id)
	if after["phone"] != "" || after["jobtitle"] != "Head of Things (typed by a human)" || after["lusha_do_not_enrich"] != "true" {
		t.Errorf("after the opt-out: phone %q (want cleared), jobtitle %q (want the human's), marker %q (want true)",
			after["phone"], after["jobtitle"], after["lusha_do_not_enrich"])
	}
	if otherAfter, _ := h.hub.Contact(otherID); otherAfter["phone"] != otherBefore["phone"] || otherAfter["lusha_do_not_enrich"] != "" {
		t.Errorf("another person's record changed: %v", otherAfter)
	}
	writes := h.crmWrites.Load()
	if n, err := proc.Drain(t.Context()); err != nil || n != 0 {
		t.Errorf("a second pass processed %d (%v)", n, err)
	}
	if h.crmWrites.Load() != writes {
		t.Error("a second pass wrote to the CRM again")
	}
}

// otherRevealable is a revealable contact of another person than p.
func (h *harness) otherRevealable(t *testing.T, p *lushatest.Person) (string, *lushatest.Person) {
	t.Helper()
	for _, id := range h.ids {
		q := h.person[id]
		if q != p && q.Known && !q.Restricted && len(q.Phones) > 0 {
			return id, q
		}
	}
	t.Fatal("the world has no second known person with a phone")
	return "", nil
}

// names reports whether a request names p: by Lusha id, email or LinkedIn URL,
// or as a search item that resolves to them.
func (h *harness) names(reqs []lushaRequest, p *lushatest.Person) bool {
	for _, r := range reqs {
		if strings.Contains(r.Body, `"`+p.ID+`"`) || strings.Contains(strings.ToLower(r.Body), strings.ToLower(p.Email)) ||
			(p.LinkedinURL != "" && strings.Contains(r.Body, p.LinkedinURL)) {
			return true
		}
	}
	for _, path := range []string{"/v3/contacts/search", "/v3/contacts/search-and-enrich"} {
		if h.searchedPeople(reqs, path)[p] > 0 {
			return true
		}
	}
	return false
}
