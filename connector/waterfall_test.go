package connector

import (
	"encoding/json"
	"testing"

	"github.com/leadsync/leadsync/lusha"
	"github.com/leadsync/leadsync/lusha/lushatest"
)

// On an account with Data Waterfall on (reference §5.2, §5.2a), every enrich the run
// makes opts out (waterfallEnabled: false): no job is started, no provider bills, and
// the run spends exactly what the fake charged.
func TestEnrichOptsOutOfTheWaterfall(t *testing.T) {
	h := newHarness(t, 120, phonesMapping, harnessOptions{})
	h.lusha.SetWaterfall(lushatest.Waterfall{Enabled: true})
	sum := h.run(RunOptions{})
	if sum.Status != RunOK {
		t.Fatalf("status %s: %s", sum.Status, sum.Error)
	}
	enriches := 0
	for _, req := range h.sent() {
		if req.Path != "/v3/contacts/enrich" {
			continue
		}
		enriches++
		var body lusha.ContactsEnrichRequest
		if err := json.Unmarshal([]byte(req.Body), &body); err != nil {
			t.Fatal(err)
		}
		if body.WaterfallEnabled == nil || *body.WaterfallEnabled {
			t.Errorf("an enrich did not opt out of the waterfall: %s", req.Body)
		}
	}
	if enriches == 0 {
		t.Fatal("the run made no enrich call")
	}
	if n := len(h.charges("/v3/contacts/jobs")); n != 0 {
		t.Errorf("%d waterfall jobs billed", n)
	}
	if sum.CreditsSpent != h.lusha.CreditsUsed() {
		t.Errorf("the run counts %d credits, the account was charged %d", sum.CreditsSpent, h.lusha.CreditsUsed())
	}
}
