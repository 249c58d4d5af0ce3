package lushatest

import (
	"time"
)

// DefaultAPIKey is the key of the default account when Options.APIKey is empty.
const DefaultAPIKey = "00000000-0000-4000-8000-00000000c0de"

// Options configure a Server. Zero values take the documented defaults.
type Options struct {
	APIKey  string  // default DefaultAPIKey
	Credits int     // credits of the default account; default 10 000
	Pricing Pricing // default: email 1, phone 5, company 1, company field 1, search 1 per 25
	Limits  Limits  // request windows per account

	// Chaos is the share (0–1) of requests answered with a 500, a 503, a 429 or
	// delayed by SlowDelay. Seed makes the choice reproducible.
	Chaos     float64
	Seed      int64
	SlowDelay time.Duration // default 2 s

	// RestrictedAs451 answers a contact request whose every item is GDPR-restricted
	// with HTTP 451 (as Lusha's single-contact API does) instead of per-item
	// COMPLIANCE_RESTRICTED errors.
	RestrictedAs451 bool

	// Now is the clock of the rate windows; default time.Now.
	Now func() time.Time
}

// Pricing is the credit price of each action.
type Pricing struct {
	RevealEmail        int // per contact whose emails are revealed
	RevealPhone        int // per contact whose phones are revealed
	RevealCompany      int // per company enriched
	RevealCompanyField int // per extra company field revealed
	Search             int // per started block of SearchBlock results
	SearchBlock        int
}

var defaultPricing = Pricing{RevealEmail: 1, RevealPhone: 5, RevealCompany: 1, RevealCompanyField: 1,
	Search: 1, SearchBlock: 25}

// Limits are the request windows of an account. Zero means the default.
type Limits struct {
	PerSecond      int // default 25 (Lusha's documented per-endpoint rate)
	PerMinute      int // default 10 000
	PerHour        int // default 100 000
	PerDay         int // default 1 000 000
	UsagePerMinute int // GET /v3/account/usage; default 5
}

func (o Options) withDefaults() Options {
	if o.APIKey == "" {
		o.APIKey = DefaultAPIKey
	}
	if o.Credits == 0 {
		o.Credits = 10_000
	}
	o.Pricing = o.Pricing.withDefaults()
	o.Limits = o.Limits.withDefaults()
	if o.SlowDelay == 0 {
		o.SlowDelay = 2 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

func (p Pricing) withDefaults() Pricing {
	if p == (Pricing{}) {
		return defaultPricing
	}
	if p.SearchBlock <= 0 {
		p.SearchBlock = defaultPricing.SearchBlock
	}
	return p
}

func (l Limits) withDefaults() Limits {
	def := func(v, d int) int {
		if v == 0 {
			return d
		}
		return v
	}
	return Limits{PerSecond: def(l.PerSecond, 25), PerMinute: def(l.PerMinute, 10_000),
		PerHour: def(l.PerHour, 100_000), PerDay: def(l.PerDay, 1_000_000),
		UsagePerMinute: def(l.UsagePerMinute, 5)}
}
