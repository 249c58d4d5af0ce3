package lushatest

import (
	"net/http"
	"time"

	"github.com/leadsync/leadsync/lusha"
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

	// AllOrNothing answers 402 to a contact enrich or search-and-enrich that the
	// account cannot pay in full, as every other call is answered. By default such a
	// call answers 200 with what the credits paid for, status PARTIAL_OUT_OF_CREDITS
	// (OUT_OF_CREDITS when they paid for no data point) and the rest marked
	// BILLING_FAILED in missingDataPoints (reference §5.2, newer docs; §10.1 item 4
	// asks for both modes). An account with no credit left gets 402 either way.
	AllOrNothing bool

	// Waterfall is the default account's Data Waterfall; off unless Enabled.
	Waterfall Waterfall

	// DecimalUsage writes the numbers of GET /v3/account/usage as 12.0 and 1e+04, as
	// the spec's `number` type allows, to hold clients to that type.
	DecimalUsage bool

	// Now is the clock of the rate windows, signal dates, lookalike sessions and
	// webhook timestamps; default time.Now.
	Now func() time.Time

	Webhooks WebhookOptions
}

// WebhookOptions configure the webhook deliveries of the fake.
type WebhookOptions struct {
	// Retries after a failed delivery before the subscription is disabled; default 3
	// (Lusha: "max 3 retries"). Backoff is the first wait, doubled for each retry;
	// default 1 s. Timeout bounds one attempt; default 10 s (Lusha's ack deadline).
	Retries int
	Backoff time.Duration
	Timeout time.Duration
	// TimestampMillis sends X-Lusha-Timestamp in milliseconds instead of seconds
	// (Lusha does not document the unit).
	TimestampMillis bool
	// VerifyURL makes create and URL updates send GET <url>?challenge=… and fail with
	// WEBHOOK_VERIFICATION_FAILED unless the answer echoes it (older Lusha docs).
	VerifyURL bool
	// MaxSubscriptions per account; default 1000.
	MaxSubscriptions int
	// Client sends deliveries; default a private client. Tests with a TLS receiver pass
	// its Client().
	Client *http.Client
}

func (o WebhookOptions) withDefaults() WebhookOptions {
	if o.Retries == 0 {
		o.Retries = 3
	}
	if o.Backoff == 0 {
		o.Backoff = time.Second
	}
	if o.Timeout == 0 {
		o.Timeout = 10 * time.Second
	}
	if o.MaxSubscriptions == 0 {
		o.MaxSubscriptions = 1000
	}
	if o.Client == nil {
		o.Client = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	}
	return o
}

// Pricing is the credit price of each action.
type Pricing struct {
	RevealEmail        int // per contact whose emails are revealed
	RevealPhone        int // per contact whose phones are revealed
	RevealCompany      int // per company enriched
	RevealCompanyField int // per extra company field revealed
	Search             int // per started block of SearchBlock results
	SearchBlock        int
	LookalikeContact   int // per contact lookalike result
	LookalikeCompany   int // per company lookalike result
	SignalContact      int // per contact signal returned (showSignalsContact)
	SignalCompany      int // per company signal returned (showSignalsCompany)
	WebhookSignal      int // per signal delivered by webhook (retries and tests are free)
}

// table is the price list GET /v3/account/usage serves, by Lusha's action names (§4).
// Extra company fields have no documented action name, so they are not listed.
func (p Pricing) table() map[string]lusha.PricingEntry {
	each := func(credits int) lusha.PricingEntry {
		return lusha.PricingEntry{Credits: float64(credits), PerQuantity: 1}
	}
	return map[string]lusha.PricingEntry{
		lusha.ActionSearch:        {Credits: float64(p.Search), PerQuantity: float64(p.SearchBlock)},
		lusha.ActionRevealEmail:   each(p.RevealEmail),
		lusha.ActionRevealPhone:   each(p.RevealPhone),
		lusha.ActionRevealCompany: each(p.RevealCompany),
		"lookalikeContact":        each(p.LookalikeContact),
		"lookalikeCompany":        each(p.LookalikeCompany),
		"showSignalsContact":      each(p.SignalContact),
		"showSignalsCompany":      each(p.SignalCompany),
	}
}

var defaultPricing = Pricing{RevealEmail: 1, RevealPhone: 5, RevealCompany: 1, RevealCompanyField: 1,
	Search: 1, SearchBlock: 25, LookalikeContact: 1, LookalikeCompany: 1, SignalContact: 1, SignalCompany: 1,
	WebhookSignal: 1}

// Limits are the request windows of an account. Zero means the default.
type Limits struct {
	PerSecond      int // default 25 (Lusha's documented per-endpoint rate)
	PerMinute      int // default 10 000
	PerHour        int // default 100 000
	PerDay         int // default 1 000 000
	UsagePerMinute int // GET /v3/account/usage; default 5
	// WebhooksPerMinute limits the /api/ webhook management calls; default 100.
	// They count against this window only.
	WebhooksPerMinute int
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
	o.Webhooks = o.Webhooks.withDefaults()
	o.Waterfall = o.Waterfall.withDefaults()
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
		UsagePerMinute: def(l.UsagePerMinute, 5), WebhooksPerMinute: def(l.WebhooksPerMinute, 100)}
}
