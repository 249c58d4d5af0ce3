package lusha

import "math"

// Pricing is an account's price list: the `pricing` of GET /v3/account/usage, by
// action name (Action… constants; reference §4, §5.15). Prices differ by contract.
type Pricing map[string]PricingEntry

// ListPricing is Lusha's published price list (reference §4: the help center's email 1,
// phone 5 and company 1 credit, search 1 credit per 1–25 results; the spec's examples
// agree). It stands in for an account whose own prices are not known.
var ListPricing = Pricing{
	ActionSearch:        {Credits: 1, PerQuantity: 25},
	ActionRevealEmail:   {Credits: 1, PerQuantity: 1},
	ActionRevealPhone:   {Credits: 5, PerQuantity: 1},
	ActionRevealCompany: {Credits: 1, PerQuantity: 1},
}

// usable reports whether the entry can price anything: a finite, non-negative price
// for a positive quantity.
func (e PricingEntry) usable() bool {
	return e.Credits >= 0 && e.PerQuantity > 0 && !math.IsInf(e.Credits, 0) && !math.IsInf(e.PerQuantity, 0)
}

// Or is p with fallback's entry for every action that p does not price usably.
func (p Pricing) Or(fallback Pricing) Pricing {
	out := make(Pricing, len(p)+len(fallback))
	for action, e := range fallback {
		out[action] = e
	}
	for action, e := range p {
		if e.usable() {
			out[action] = e
		}
	}
	return out
}

// Cost is what n units of action cost: its Credits for every started block of
// PerQuantity units, rounded up to whole credits (a budget must not under-count).
// ok is false when the list has no usable price for the action.
func (p Pricing) Cost(action string, n int) (credits int, ok bool) {
	e, found := p[action]
	if !found || !e.usable() {
		return 0, false
	}
	if n <= 0 {
		return 0, true
	}
	blocks := math.Ceil(float64(n) / e.PerQuantity)
	// The small allowance keeps 3 × 0.1 from rounding up to 1 credit too many.
	return int(math.Ceil(blocks*e.Credits - 1e-9)), true
}
