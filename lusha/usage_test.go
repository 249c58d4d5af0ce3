package lusha

import "testing"

// Usage numbers are `number` in the spec (reference §5.15, §10.2): 12.0, 1e3 and
// fractions are all read.
func TestUsageNumbersDecodeAsNumbers(t *testing.T) {
	c := serve(t, 200, nil, `{"credits":{"total":1e3,"used":12.0,"remaining":988.0},
		"rateLimits":{"daily":{"limit":5e3,"used":1.2e2,"remaining":4880.0,"resetsAt":"2026-03-31T00:00:00.000Z"},"hourly":null,"minute":null},
		"pricing":{"api_search":{"credits":1.0,"perQuantity":2.5e1},"revealPhone":{"credits":4.5,"perQuantity":1}}}`)
	u, _, err := c.AccountUsage(t.Context())
	if err != nil {
		t.Fatalf("usage with decimal numbers: %v", err)
	}
	if *u.Credits != (CreditsUsage{Total: 1000, Used: 12, Remaining: 988}) {
		t.Errorf("credits = %+v", u.Credits)
	}
	if d := u.RateLimits.Daily; d.Limit != 5000 || d.Used != 120 || d.Remaining != 4880 || u.RateLimits.Hourly != nil {
		t.Errorf("rate limits = %+v %+v", d, u.RateLimits.Hourly)
	}
	if u.Pricing[ActionSearch].PerQuantity != 25 || u.Pricing[ActionRevealPhone].Credits != 4.5 {
		t.Errorf("pricing = %+v", u.Pricing)
	}
}
