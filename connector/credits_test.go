package connector

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/leadsync/leadsync/connector/config"
	"github.com/leadsync/leadsync/connector/run"
	"github.com/leadsync/leadsync/lusha/lushatest"
)

// matchedInBatches counts, for each search call of 100 records in seeding order, the
// people Lusha will answer (known and not restricted): search is billed per started 25.
func (h *harness) searchCredits(ids []string) int {
	credits := 0
	for chunk := range slices.Chunk(ids, 100) {
		m := 0
		for _, id := range chunk {
			if p := h.person[id]; p.Known && !p.Restricted {
				m++
			}
		}
		credits += (m + 24) / 25
	}
	return credits
}

// TestCreditExact is issue 3's second promise: 250 leads cost 3 search calls, enrich
// only for matched people and only the data points the mapping writes, and exactly the
// credits those fields need.
func TestCreditExact(t *testing.T) {
	t.Run("phones", func(t *testing.T) {
		h := newHarness(t, 250, phonesMapping, harnessOptions{})
		sum := h.run(RunOptions{})
		if sum.Status != RunOK && sum.Status != RunPartial {
			t.Fatalf("status %s: %s", sum.Status, sum.Error)
		}
		if n := len(h.charges("/v3/contacts/search")); n != 3 {
			t.Errorf("%d search calls, want 3", n)
		}
		need := h.searchCredits(h.ids)
		enriched := map[string]bool{}
		for _, c := range h.charges("/v3/contacts/enrich") {
			for _, it := range c.Items {
				p, _ := h.world.PersonByID(it.ID)
				if p == nil || !p.Known || p.Restricted || len(p.Phones) == 0 {
					t.Errorf("enriched %s, who is unknown, restricted or has no phone", it.ID)
				}
				if !slices.Equal(it.DataPoints, []string{"phones"}) {
					t.Errorf("revealed %v for %s, want phones only", it.DataPoints, it.ID)
				}
				enriched[it.ID] = true
			}
		}
		for _, id := range h.ids {
			p := h.person[id]
			if p.Known && !p.Restricted && len(p.Phones) > 0 {
				need += 5
				if !enriched[p.ID] {
					t.Errorf("person %s has phones but was not enriched", p.ID)
				}
			}
		}
		if got := h.lusha.CreditsUsed(); got != need || sum.CreditsSpent != need {
			t.Errorf("charged %d, run says %d, strictly needed %d", got, sum.CreditsSpent, need)
		}
		// Every phone bought is written.
		for _, id := range h.ids {
			c, _ := h.hub.Contact(id)
			if p := h.person[id]; p.Known && !p.Restricted && len(p.Phones) > 0 && c["phone"] == "" {
				t.Errorf("contact %s: a phone was bought but not written", id)
			}
		}
	})
	t.Run("no phones", func(t *testing.T) {
		h := newHarness(t, 250, previewMapping, harnessOptions{})
		sum := h.run(RunOptions{})
		if n := len(h.charges("/v3/contacts/enrich")); n != 0 {
			t.Errorf("%d enrich calls for a mapping that reads only the preview", n)
		}
		if need := h.searchCredits(h.ids); h.lusha.CreditsUsed() != need || sum.CreditsSpent != need {
			t.Errorf("charged %d, run says %d, strictly needed %d", h.lusha.CreditsUsed(), sum.CreditsSpent, need)
		}
		if sum.RecordsWritten == 0 {
			t.Error("nothing written")
		}
	})
	t.Run("filled phones are not bought again", func(t *testing.T) {
		h := newHarness(t, 60, phonesMapping, harnessOptions{})
		for _, id := range h.ids {
			h.hub.UpdateContact(id, map[string]string{"phone": "+14155550100", "jobtitle": "typed"})
		}
		h.run(RunOptions{})
		if n := len(h.charges("/v3/contacts/enrich")) + len(h.charges("/v3/contacts/search")); n != 0 {
			t.Errorf("%d Lusha calls although every mapped field is filled", n)
		}
	})
}

// TestRateLimitedLushaWaits: 429s for a while are waited out; the breaker stays closed.
func TestRateLimitedLushaWaits(t *testing.T) {
	h := newHarness(t, 150, previewMapping, harnessOptions{})
	left := 6
	h.setFail(func(r *http.Request, _ []byte) int {
		if strings.HasPrefix(r.URL.Path, "/v3/contacts/") && left > 0 {
			left--
			return http.StatusTooManyRequests
		}
		return 0
	})
	sum := h.run(RunOptions{})
	if sum.Status != RunOK || sum.RecordsRead != 150 {
		t.Errorf("status %s, read %d: %s", sum.Status, sum.RecordsRead, sum.Error)
	}
	if got := h.breaker("lusha"); got != "closed" {
		t.Errorf("breaker %s after 429s, want closed", got)
	}
}

// TestUnavailableLushaOpensBreaker: 503s open the breaker, the run ends
// upstream_unavailable with nothing lost, and after the timeout a free probe closes it.
func TestUnavailableLushaOpensBreaker(t *testing.T) {
	h := newHarness(t, 120, previewMapping, harnessOptions{breaker: config.Breaker{Failures: 3, Timeout: 200 * time.Millisecond}})
	down := true
	h.setFail(func(r *http.Request, _ []byte) int {
		if down {
			return http.StatusServiceUnavailable
		}
		return 0
	})
	sum := h.run(RunOptions{})
	if sum.Status != RunUpstreamUnavailable {
		t.Fatalf("status %s, want upstream_unavailable", sum.Status)
	}
	if got := h.breaker("lusha"); got != "open" {
		t.Errorf("breaker %s, want open", got)
	}
	if cur, _ := h.store.Cursor(t.Context(), "p"); cur != "" {
		t.Errorf("cursor moved to %q during an outage", cur)
	}
	h.setFail(func(*http.Request, []byte) int { return 0 })
	down = false
	time.Sleep(250 * time.Millisecond) // the breaker's own timeout, not an assertion on speed
	before := len(h.sent())
	sum = h.run(RunOptions{})
	if sum.Status != RunOK || sum.RecordsRead != 120 {
		t.Fatalf("after recovery: status %s, read %d: %s", sum.Status, sum.RecordsRead, sum.Error)
	}
	if got := h.breaker("lusha"); got != "closed" {
		t.Errorf("breaker %s after recovery, want closed", got)
	}
	if first := h.sent()[before]; first.Path != "/v3/account/usage" {
		t.Errorf("first call after the outage was %s, want the free usage probe", first.Path)
	}
}

// TestCreditsRunOut: a 402 mid-run ends it credits_exhausted; the leads not enriched
// stay pending; after credits are added the next run enriches exactly those.
func TestCreditsRunOut(t *testing.T) {
	h := newHarness(t, 200, phonesMapping, harnessOptions{})
	enrichCalls := 0
	h.setFail(func(r *http.Request, _ []byte) int {
		if r.URL.Path == "/v3/contacts/enrich" {
			enrichCalls++
			if enrichCalls > 1 {
				return http.StatusPaymentRequired
			}
		}
		return 0
	})
	first := h.run(RunOptions{})
	if first.Status != RunCreditsExhausted {
		t.Fatalf("status %s, want credits_exhausted", first.Status)
	}
	h.setFail(nil)
	second := h.run(RunOptions{})
	if second.Status != RunOK {
		t.Fatalf("second run: %s %s", second.Status, second.Error)
	}
	// Each person's phones were bought once in all.
	bought := map[string]int{}
	for _, c := range h.charges("/v3/contacts/enrich") {
		for _, it := range c.Items {
			bought[it.ID]++
		}
	}
	for id, n := range bought {
		if n != 1 {
			t.Errorf("person %s charged %d times", id, n)
		}
	}
	for _, id := range h.ids {
		c, _ := h.hub.Contact(id)
		if p := h.person[id]; p.Known && !p.Restricted && c["lusha_enriched_at"] == "" {
			t.Errorf("contact %s never enriched", id)
		}
	}
	if first.RecordsWritten+second.RecordsWritten != countKnown(h) {
		t.Errorf("written %d + %d, want %d known people", first.RecordsWritten, second.RecordsWritten, countKnown(h))
	}
}

func countKnown(h *harness) int {
	n := 0
	for _, id := range h.ids {
		if p := h.person[id]; p.Known && !p.Restricted {
			n++
		}
	}
	return n
}

// TestBudgetPerRun: credits_per_run is never exceeded, to the credit, and the next
// run carries on where the budget stopped.
func TestBudgetPerRun(t *testing.T) {
	h := newHarness(t, 200, phonesMapping, harnessOptions{budget: config.Budget{CreditsPerRun: 37}})
	total := 0
	for range 40 {
		before := h.lusha.CreditsUsed()
		sum := h.run(RunOptions{})
		spent := h.lusha.CreditsUsed() - before
		if spent > 37 || sum.CreditsSpent != spent {
			t.Fatalf("run spent %d (says %d), budget 37", spent, sum.CreditsSpent)
		}
		total += spent
		if sum.Status == RunOK {
			break
		}
		if sum.Status != RunCreditsExhausted {
			t.Fatalf("status %s: %s", sum.Status, sum.Error)
		}
	}
	for _, id := range h.ids {
		c, _ := h.hub.Contact(id)
		if p := h.person[id]; p.Known && !p.Restricted && c["lusha_enriched_at"] == "" {
			t.Fatalf("contact %s never enriched", id)
		}
	}
}

// TestNegativeAndRestrictedAreNotAskedAgain: a restricted person is asked once and
// never again; an unknown one not before the negative TTL ends.
func TestNegativeAndRestrictedAreNotAskedAgain(t *testing.T) {
	now := time.Now()
	h := newHarness(t, 120, previewMapping, harnessOptions{now: func() time.Time { return now }})
	h.run(RunOptions{})
	var restricted, unknown []*lushatest.Person
	for _, id := range h.ids {
		p := h.person[id]
		switch {
		case p.Restricted:
			restricted = append(restricted, p)
		case !p.Known:
			unknown = append(unknown, p)
		}
		// A change makes the CRM hand every contact out again.
		h.hub.UpdateContact(id, map[string]string{"company": p.Company.Name + " Inc"})
	}
	if len(restricted) == 0 || len(unknown) == 0 {
		t.Fatal("the world has no restricted or unknown people; pick another seed")
	}
	asked := func(p *lushatest.Person) int {
		n := 0
		for _, r := range h.sent() {
			n += strings.Count(r.Body, `"`+p.Email+`"`)
		}
		return n
	}
	h.settle()
	// Only contacts not enriched still match the pipeline filter.
	notEnriched := len(restricted) + len(unknown)
	if second := h.run(RunOptions{}); second.RecordsRead != notEnriched {
		t.Fatalf("second run read %d changed records, want %d", second.RecordsRead, notEnriched)
	}
	for _, p := range append(restricted, unknown...) {
		if n := asked(p); n != 1 {
			t.Errorf("%s (known %v, restricted %v) asked %d times within the TTL, want 1", p.Email, p.Known, p.Restricted, n)
		}
	}
	now = now.Add(25 * time.Hour) // past the negative TTL of 24 h
	for _, id := range h.ids {
		h.hub.UpdateContact(id, map[string]string{"company": h.person[id].Company.Name + " Ltd"})
	}
	h.settle()
	if third := h.run(RunOptions{}); third.RecordsRead != notEnriched {
		t.Fatalf("third run read %d changed records, want %d", third.RecordsRead, notEnriched)
	}
	for _, p := range unknown {
		if n := asked(p); n != 2 {
			t.Errorf("unknown %s asked %d times after the negative TTL, want 2", p.Email, n)
		}
	}
	for _, p := range restricted {
		if n := asked(p); n != 1 {
			t.Errorf("restricted %s asked %d times, want 1 ever", p.Email, n)
		}
	}
}

// TestExpiredAnswersArePurged: answers are personal data and leave the store when
// their TTL ends.
func TestExpiredAnswersArePurged(t *testing.T) {
	now := time.Now()
	h := newHarness(t, 30, previewMapping, harnessOptions{now: func() time.Time { return now }})
	h.run(RunOptions{})
	key := ""
	for _, id := range h.ids {
		if p := h.person[id]; p.Known && !p.Restricted {
			key = run.IdentityKey(h.pipe.Mapping, map[string]string{"email": p.Email})
			break
		}
	}
	if e, _ := h.store.Enrichment(t.Context(), key, now); e == nil {
		t.Fatal("no cached answer after the run")
	}
	now = now.Add(h.pipe.CacheTTL + time.Hour)
	h.run(RunOptions{})
	if e, _ := h.store.Enrichment(t.Context(), key, now.Add(-2*h.pipe.CacheTTL)); e != nil {
		t.Error("an expired answer is still stored")
	}
}
