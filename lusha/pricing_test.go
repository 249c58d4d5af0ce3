package lusha

import "testing"

// Prices are Credits per started PerQuantity units (reference §4: search 1 credit per
// 1–25 results reproduces every S1 example).
func TestPricingCost(t *testing.T) {
	p := Pricing{
		ActionSearch:      {Credits: 1, PerQuantity: 25},
		ActionRevealPhone: {Credits: 4.5, PerQuantity: 1},
		ActionRevealEmail: {Credits: 0.1, PerQuantity: 1},
		"broken":          {Credits: 1, PerQuantity: 0},
	}
	for _, tt := range []struct {
		action string
		n      int
		want   int
		ok     bool
	}{
		{ActionSearch, 0, 0, true},
		{ActionSearch, 1, 1, true},
		{ActionSearch, 25, 1, true},
		{ActionSearch, 26, 2, true},
		{ActionSearch, 100, 4, true},
		{ActionRevealPhone, 2, 9, true},
		{ActionRevealPhone, 1, 5, true}, // 4.5 rounded up: a budget never under-counts
		{ActionRevealEmail, 3, 1, true},
		{ActionRevealEmail, 10, 1, true},
		{"broken", 1, 0, false},
		{ActionRevealCompany, 1, 0, false},
	} {
		if got, ok := p.Cost(tt.action, tt.n); got != tt.want || ok != tt.ok {
			t.Errorf("Cost(%s, %d) = %d, %v; want %d, %v", tt.action, tt.n, got, ok, tt.want, tt.ok)
		}
	}
}

func TestPricingOrFallsBackPerAction(t *testing.T) {
	account := Pricing{ActionRevealPhone: {Credits: 3, PerQuantity: 1}, ActionSearch: {Credits: 2, PerQuantity: 0}}
	got := account.Or(ListPricing)
	if got[ActionRevealPhone].Credits != 3 {
		t.Errorf("the account's phone price was replaced: %+v", got[ActionRevealPhone])
	}
	if got[ActionSearch] != ListPricing[ActionSearch] || got[ActionRevealEmail] != ListPricing[ActionRevealEmail] {
		t.Errorf("unpriced or unusable actions did not fall back: %+v", got)
	}
	if n, ok := Pricing(nil).Or(ListPricing).Cost(ActionRevealCompany, 2); !ok || n != 2 {
		t.Errorf("no account prices: company ×2 = %d, %v; want the list's 2", n, ok)
	}
}
