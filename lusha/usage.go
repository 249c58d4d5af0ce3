package lusha

// AccountUsage is the answer of GET /v3/account/usage: credits, live rate
// windows, plan and price list.
type AccountUsage struct {
	Credits    *CreditsUsage `json:"credits,omitzero"`
	RateLimits *RateLimits   `json:"rateLimits,omitzero"`
	Plan       *Plan         `json:"plan,omitzero"`
	Pricing    Pricing       `json:"pricing,omitzero"`
}

// CreditsUsage is the account's credit balance for the billing cycle. Every number
// of the usage answer is a JSON `number` in Lusha's spec (not an integer), and may
// come as 12.0 or 1e3: float64 reads them all.
type CreditsUsage struct {
	Total     float64 `json:"total"`
	Used      float64 `json:"used"`
	Remaining float64 `json:"remaining"`
}

// RateLimits holds the live windows; a window is nil when the plan has none.
type RateLimits struct {
	Daily  *RateLimitTier `json:"daily"`
	Hourly *RateLimitTier `json:"hourly"`
	Minute *RateLimitTier `json:"minute"`
}

// RateLimitTier is one window; ResetsAt is an RFC 3339 timestamp.
type RateLimitTier struct {
	Limit     float64 `json:"limit"`
	Used      float64 `json:"used"`
	Remaining float64 `json:"remaining"`
	ResetsAt  string  `json:"resetsAt,omitempty"`
}

// Plan describes the subscription; EndDate is nil on free plans.
type Plan struct {
	Category    string  `json:"category,omitempty"`
	RenewalType string  `json:"renewalType,omitempty"`
	StartDate   string  `json:"startDate,omitempty"`
	EndDate     *string `json:"endDate"`
}

// PricingEntry is the price of one action: Credits per PerQuantity units.
type PricingEntry struct {
	Credits     float64 `json:"credits"`
	PerQuantity float64 `json:"perQuantity"`
}

// Pricing action names used by Lusha (keys of AccountUsage.Pricing).
const (
	ActionSearch        = "api_search"
	ActionRevealEmail   = "revealEmail"
	ActionRevealPhone   = "revealPhone"
	ActionRevealCompany = "reveal_company"
)
