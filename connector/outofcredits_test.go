package connector

import (
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/hubspot/hubspottest"
	"github.com/leadsync/leadsync/mapping"
)

// Credits that run out during a Lusha call (issue 13, Lusha 2): the 200 answer says
// PARTIAL_OUT_OF_CREDITS and marks the unpaid data points BILLING_FAILED (reference
// §5.2). Those are not cached as revealed; their records wait (deferred) and the run
// ends credits_exhausted; the next run buys exactly what was missing, each data point
// once in all.
func TestCreditsRunningOutMidCallAreBoughtNextRun(t *testing.T) {
	for _, tc := range []struct {
		name, mapping, path string
	}{
		{"search then reveal", phonesMapping, "/v3/contacts/enrich"},
		{"search and enrich", everythingMapping, "/v3/contacts/search-and-enrich"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, 80, tc.mapping, harnessOptions{})
			h.hub.DefineProperty(hubspottest.Property{Name: "lusha_email", Type: "string", FieldType: "text", GroupName: "contactinformation"})
			// Another spender drains the account after the run's pre-flight: the first
			// buying call finds 14 credits, enough for a few people only.
			var once sync.Once
			h.setFail(func(r *http.Request, _ []byte) int {
				if r.URL.Path == tc.path {
					once.Do(func() { h.lusha.SetCredits(14) })
				}
				return 0
			})
			first := h.run(RunOptions{})
			if first.Status != RunCreditsExhausted || first.StopClass != crm.ClassCredits {
				t.Fatalf("first run: status %s (%s), want credits_exhausted: %s", first.Status, first.StopClass, first.Error)
			}
			unpaid := h.unpaidPeople(tc.path)
			if len(unpaid) == 0 {
				t.Fatal("no data point was left unbilled; the scenario did not happen")
			}
			for id, p := range h.person {
				missing, ok := unpaid[p.ID]
				if !ok {
					continue
				}
				if c, _ := h.hub.Contact(id); c["lusha_enriched_at"] != "" {
					t.Errorf("contact %s was written although %v were not billed", id, missing)
				}
				cached, err := h.store.Enrichments(t.Context(), []string{identityKey(p.Email)}, time.Now())
				if err != nil {
					t.Fatal(err)
				}
				if en := cached[identityKey(p.Email)]; en != nil {
					for _, dp := range missing {
						if slices.Contains(en.Revealed, dp) {
							t.Errorf("person %s: %s cached as revealed although not billed", p.ID, dp)
						}
					}
				}
			}

			h.setFail(nil)
			h.lusha.SetCredits(100_000)
			second := h.run(RunOptions{})
			if second.Status != RunOK {
				t.Fatalf("second run: %s %s", second.Status, second.Error)
			}
			for id, p := range h.person {
				c, _ := h.hub.Contact(id)
				if p.Known && !p.Restricted && c["lusha_enriched_at"] == "" {
					t.Errorf("contact %s never enriched", id)
				}
				if _, ok := unpaid[p.ID]; ok && len(p.Phones) > 0 && c["phone"] == "" {
					t.Errorf("contact %s: the phone left unbilled was never bought", id)
				}
			}
			h.eachDataPointChargedOnce(t)
		})
	}
}

func identityKey(email string) string { return mapping.Identity{Email: email}.Key() }

// unpaidPeople reads the fake's ledger: per Lusha person id, the data points that calls
// to path asked for and left unbilled because the credits ran out.
func (h *harness) unpaidPeople(path string) map[string][]string {
	out := map[string][]string{}
	for _, c := range h.charges(path) {
		for _, it := range c.Unbilled {
			out[it.ID] = append(out[it.ID], it.DataPoints...)
		}
	}
	return out
}

// eachDataPointChargedOnce: across all runs, no data point of a person was paid twice.
func (h *harness) eachDataPointChargedOnce(t *testing.T) {
	t.Helper()
	paid := map[string]int{}
	for _, c := range h.lusha.Charges() {
		for _, it := range c.Items {
			for _, dp := range it.DataPoints {
				paid[it.ID+" "+dp]++
			}
		}
	}
	for k, n := range paid {
		if n != 1 {
			t.Errorf("%s charged %d times", k, n)
		}
	}
}
