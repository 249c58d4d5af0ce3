package account

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/leadsync/leadsync/lusha"
)

const pricedUsage = `{"credits":{"total":100,"used":10,"remaining":90},
	"pricing":{"revealPhone":{"credits":3,"perQuantity":1},"api_search":{"credits":1,"perQuantity":50}}}`

// Prices come from the account's usage answer (reference §4, §5.15), whoever asked
// for it, and are asked for once at most when no answer gave them yet.
func TestTheAccountLearnsItsPricesFromUsage(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fl := &fakeLusha{}
		fl.answerUsage(pricedUsage)
		_, lu := lushaOver(t, fl, settings(&fakeCRM{}))
		if p := lu.Pricing(); p != nil {
			t.Fatalf("prices %v before any usage answer", p)
		}
		lu.LearnPricing(t.Context())
		lu.LearnPricing(t.Context())
		if got := count(fl.requests(), usagePath); got != 1 {
			t.Fatalf("%d usage requests to learn the prices, want 1", got)
		}
		if p := lu.Pricing(); p[lusha.ActionRevealPhone].Credits != 3 || p[lusha.ActionSearch].PerQuantity != 50 {
			t.Fatalf("prices %v, want the account's", p)
		}
		// A pre-flight refreshes them: a new contract's prices are seen at the next run.
		fl.answerUsage(`{"credits":{"remaining":80},"pricing":{"revealPhone":{"credits":4,"perQuantity":1}}}`)
		if left := lu.CreditsLeft(t.Context()); left != 80 || lu.Pricing()[lusha.ActionRevealPhone].Credits != 4 {
			t.Fatalf("after a pre-flight: %d left, prices %v", left, lu.Pricing())
		}
	})
}

// Learning the prices never waits for the usage allowance: a run is not held up for
// them, the list prices serve meanwhile.
func TestLearningPricesNeverWaits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fl := &fakeLusha{}
		_, lu := lushaOver(t, fl, settings(&fakeCRM{}))
		for range 5 {
			lu.CreditsLeft(t.Context()) // the default answer carries no prices
		}
		start := time.Now()
		fl.answerUsage(pricedUsage)
		lu.LearnPricing(t.Context())
		if time.Since(start) != 0 || lu.Pricing() != nil || count(fl.requests(), usagePath) != 5 {
			t.Fatalf("LearnPricing with no allowance left: waited %v, prices %v, %d requests",
				time.Since(start), lu.Pricing(), count(fl.requests(), usagePath))
		}
	})
}

// Usage calls are free but count in Lusha's requests per second like any call (the
// 3-replica crash test saw 21 data calls and 5 usage calls answered in one second, and
// a 429): they take a slot of the account's rate limiter too.
func TestUsageCallsTakeARateSlot(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fl := &fakeLusha{}
		s := settings(&fakeCRM{})
		s.Lusha.PerSecond = 1
		_, lu := lushaOver(t, fl, s)
		start := time.Now()
		for range 3 {
			lu.CreditsLeft(t.Context())
		}
		if waited := time.Since(start); waited < 2*time.Second {
			t.Fatalf("3 usage calls at 1 request/s took %v, want 2s of pacing", waited)
		}
	})
}
