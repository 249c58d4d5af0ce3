package connector

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/leadsync/leadsync/connector/config"
	"github.com/leadsync/leadsync/connector/run"
	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/hubspot"
	"github.com/leadsync/leadsync/state"
)

// Regression tests for the engine review's findings.

// A 451 for a whole call names nobody: the halves find the restricted person, who is
// suppressed; the others are enriched; the budget holds (review findings 3).
func TestWholeCall451FindsTheRestrictedPerson(t *testing.T) {
	for _, budget := range []config.Budget{{}, {CreditsPerRun: 2, CreditsPerDay: 2}} {
		h := newHarness(t, 30, previewMapping, harnessOptions{budget: budget})
		victim := h.person[h.ids[3]]
		h.setFail(func(r *http.Request, body []byte) int {
			if strings.Contains(r.URL.Path, "search") && strings.Contains(string(body), victim.Email) {
				return http.StatusUnavailableForLegalReasons
			}
			return 0
		})
		for range 3 {
			sum := h.run(RunOptions{})
			if sum.Status == RunFailed {
				t.Fatalf("budget %+v: a 451 failed the run: %s", budget, sum.Error)
			}
			if budget.CreditsPerRun > 0 && sum.CreditsSpent > budget.CreditsPerRun {
				t.Fatalf("spent %d over a budget of %d", sum.CreditsSpent, budget.CreditsPerRun)
			}
		}
		if budget.CreditsPerDay > 0 && h.lusha.CreditsUsed() > budget.CreditsPerDay {
			t.Errorf("spent %d over a daily budget of %d", h.lusha.CreditsUsed(), budget.CreditsPerDay)
		}
		key := run.IdentityKey(h.pipe.Mapping, map[string]string{"email": victim.Email})
		if s, _ := h.store.Suppressed(t.Context(), key); !s {
			t.Errorf("budget %+v: the restricted person is not suppressed", budget)
		}
		if budget.CreditsPerRun == 0 {
			for _, id := range h.ids {
				c, _ := h.hub.Contact(id)
				if p := h.person[id]; p.Known && !p.Restricted && p != victim && c["lusha_enriched_at"] == "" {
					t.Errorf("contact %s next to the 451 was never enriched", id)
				}
			}
		}
	}
}

// flakyWrite refuses one record's write once, as HubSpot's per-item RATE_LIMITS does.
type flakyWrite struct {
	crm.Adapter
	victim string
	on     bool
}

func (f *flakyWrite) Get(ctx context.Context, object string, ids, fields []string) ([]crm.Record, error) {
	return f.Adapter.Get(ctx, object, ids, fields)
}

func (f *flakyWrite) Write(ctx context.Context, object string, patches []crm.Patch) ([]crm.WriteResult, error) {
	if f.on && f.victim == "" {
		f.victim = patches[0].RecordID
	}
	var keep []crm.Patch
	for _, p := range patches {
		if !f.on || p.RecordID != f.victim {
			keep = append(keep, p)
		}
	}
	res, err := f.Adapter.Write(ctx, object, keep)
	if err == nil && len(keep) < len(patches) {
		res = append(res, crm.WriteResult{RecordID: f.victim,
			Err: &crm.Error{Service: "hubspot", Op: "update", Class: crm.ClassRateLimited, Message: "item RATE_LIMITS"}})
	}
	return res, err
}

// A record refused alone for a passing reason is retried and written, though later
// pages moved the cursor past it (review finding 2).
func TestTransientRecordFailureIsRetried(t *testing.T) {
	h := newHarness(t, 450, previewMapping, harnessOptions{})
	fw := &flakyWrite{Adapter: hubspot.New(h.hub.Token(), hubspot.WithBaseURL(h.hubURL), hubspot.WithSettleLag(0),
		hubspot.WithOverlap(0)), on: true}
	h.pipe.CRM = fw
	h.run(RunOptions{})
	fw.on = false
	if n, err := h.store.ReleaseParked(t.Context(), "p", "", time.Now().Add(-time.Millisecond)); err != nil || n == 0 {
		t.Fatalf("released %d: %v (the refused record should be parked)", n, err)
	}
	h.run(RunOptions{})
	if c, _ := h.hub.Contact(fw.victim); c["lusha_enriched_at"] == "" {
		st, _ := h.store.RecordsOf(t.Context(), "p", "hs", []string{fw.victim})
		t.Errorf("the refused record was never written: %+v", st[fw.victim])
	}
}

// A write staged by a crashed run but never sent is written by the next runs, not
// marked done (review finding 1).
func TestStagedButUnsentWriteIsRedone(t *testing.T) {
	h := newHarness(t, 5, previewMapping, harnessOptions{})
	var victim string
	for _, id := range h.ids {
		if p := h.person[id]; p.Known && !p.Restricted {
			victim = id
			break
		}
	}
	err := h.store.CommitPage(t.Context(), state.PageCommit{Pipeline: "p", Ledger: []state.LedgerEntry{{
		RunID: "crashed", Pipeline: "p", CRMObject: "contacts", CRMID: victim, Field: "jobtitle", NewValue: "X", Pending: true}}})
	if err != nil {
		t.Fatal(err)
	}
	h.run(RunOptions{})
	h.run(RunOptions{})
	if c, _ := h.hub.Contact(victim); c["lusha_enriched_at"] == "" || c["jobtitle"] == "" {
		st, _ := h.store.RecordsOf(t.Context(), "p", "hs", []string{victim})
		t.Errorf("the unsent write was never redone: %+v", st[victim])
	}
}

// Two CRM records of one person are asked about once and both written (finding 5).
func TestOnePersonTwiceInAPage(t *testing.T) {
	h := newHarness(t, 40, phonesMapping, harnessOptions{})
	var p0 = h.person[h.ids[0]]
	for _, id := range h.ids {
		if p := h.person[id]; p.Known && !p.Restricted && len(p.Phones) > 0 {
			p0 = p
			break
		}
	}
	twin := h.hub.AddContact(map[string]string{"email": p0.Email, "firstname": p0.FirstName, "lastname": p0.LastName})
	h.settle()
	h.run(RunOptions{})
	bought := 0
	for _, c := range h.charges("/v3/contacts/enrich") {
		for _, it := range c.Items {
			if it.ID == p0.ID {
				bought++
			}
		}
	}
	if bought != 1 {
		t.Errorf("the person's phones were bought %d times, want 1", bought)
	}
	for id, p := range h.person {
		if p == p0 {
			if c, _ := h.hub.Contact(id); c["phone"] == "" {
				t.Errorf("contact %s of the person got no phone", id)
			}
		}
	}
	if c, _ := h.hub.Contact(twin); c["phone"] == "" {
		t.Error("the twin got no phone")
	}
}

// A record whose match field leadsync wrote (a LinkedIn URL) keeps its identity: the
// cached answer serves it again and nothing is bought twice.
func TestWrittenMatchFieldKeepsIdentity(t *testing.T) {
	const m = `object: contacts
match: { email: email, linkedinUrl: hs_linkedin_url, firstName: firstname, lastName: lastname, companyName: company }
fields:
  hs_linkedin_url: { from: contact.socialLinks.linkedin }
  jobtitle: { from: contact.jobTitle.title }
`
	h := newHarness(t, 20, m, harnessOptions{})
	var id string
	for _, cid := range h.ids {
		if p := h.person[cid]; p.Known && !p.Restricted {
			id = cid
			h.hub.UpdateContact(cid, map[string]string{"email": ""}) // known by name and company only
			break
		}
	}
	h.pipe.Filter.Missing = nil
	h.settle()
	h.run(RunOptions{})
	if c, _ := h.hub.Contact(id); c["hs_linkedin_url"] == "" {
		t.Fatal("the LinkedIn URL was not written")
	}
	calls := len(h.sent())
	h.hub.UpdateContact(id, map[string]string{"jobtitle": ""})
	h.settle()
	if sum := h.run(RunOptions{}); sum.RecordsRead != 1 || sum.RecordsWritten != 1 {
		t.Fatalf("second run: %+v", sum.RunCounts)
	}
	for _, r := range h.sent()[calls:] {
		if r.Path != "/v3/account/usage" { // the free pre-flight
			t.Errorf("a Lusha call for a record whose answer is cached: %s", r.Path)
		}
	}
}

// TestCRMBreakerOpens: each CRM account has its own breaker; an outage opens it, the
// run ends upstream_unavailable with nothing lost, and the CRM is used again after
// the breaker's timeout (DESIGN §4).
func TestCRMBreakerOpens(t *testing.T) {
	h := newHarness(t, 120, previewMapping, harnessOptions{crmBreaker: config.Breaker{Failures: 2, Timeout: 200 * time.Millisecond}})
	h.hub.FailNext(http.StatusServiceUnavailable, 1000)
	sum := h.run(RunOptions{})
	if sum.Status != RunUpstreamUnavailable {
		t.Fatalf("status %s, want upstream_unavailable: %s", sum.Status, sum.Error)
	}
	if got := h.breaker("crm hs"); got != "open" {
		t.Errorf("CRM breaker %s, want open", got)
	}
	if cur, _ := h.store.Cursor(t.Context(), "p"); cur != "" {
		t.Errorf("cursor moved during the outage: %q", cur)
	}
	h.hub.ClearFailures()
	time.Sleep(250 * time.Millisecond) // the breaker's own timeout, not a speed assertion
	if sum := h.run(RunOptions{}); sum.Status != RunOK || sum.RecordsRead != 120 {
		t.Fatalf("after the outage: %s, read %d: %s", sum.Status, sum.RecordsRead, sum.Error)
	}
}
