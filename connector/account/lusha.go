package account

import (
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/leadsync/leadsync/connector/observe"
	"github.com/leadsync/leadsync/lusha"
)

// Lusha is the process's Lusha account, shared by every pipeline for as long as its
// key and base URL stay the same: one client, one rate limiter, one breaker, one
// credit budget and one set of in-flight lookups. All its methods are safe for
// concurrent use; a reload changes its settings in place.
type Lusha struct {
	identity string
	client   *lusha.Client
	http     *http.Client
	// limiter has a burst of one: Lusha counts requests in fixed windows, and a full
	// bucket spent at a window's end plus the refill would overrun the next one.
	limiter limiter
	// usageLimiter keeps GET /v3/account/usage within its own 5 a minute.
	usageLimiter Gate
	settings     atomic.Pointer[LushaSettings]
	breaker      *breaker
	budget       *budget  // the process's: it outlives a change of key
	flights      *flights // the process's, likewise
	metrics      *observe.Metrics
	memo         usageMemo // what the usage answers said
}

// shared is what every Lusha account of the process uses, whatever its key.
type shared struct {
	budget    *budget
	flights   *flights
	transport http.RoundTripper // nil: a clone of http.DefaultTransport per account
	limits    Shared            // nil: every limit is this process's own
	metrics   *observe.Metrics
	log       *slog.Logger
}

func newLusha(s LushaSettings, sh *shared) *Lusha {
	tr := sh.transport
	if def, ok := http.DefaultTransport.(*http.Transport); tr == nil && ok {
		tr = def.Clone() // its own idle connections, closed when the account retires
	}
	// No client timeout: each attempt gets its own from the settings (see Call), so
	// that a reload can change it without a new client.
	hc := &http.Client{Transport: tr}
	opts := []lusha.Option{lusha.WithHTTPClient(hc)}
	if s.BaseURL != "" {
		opts = append(opts, lusha.WithBaseURL(s.BaseURL))
	}
	l := &Lusha{
		identity:     s.identity(),
		client:       lusha.NewClient(s.APIKey, opts...),
		http:         hc,
		limiter:      sh.bucket(limitName("lusha", s.identity(), "rate"), s.pace(), 1),
		usageLimiter: sh.window(limitName("lusha", s.identity(), "usage"), 5, time.Minute),
		breaker:      newBreaker("lusha", s.Breaker, sh.metrics, sh.log),
		budget:       sh.budget,
		flights:      sh.flights,
		metrics:      sh.metrics,
	}
	l.settings.Store(&s)
	l.budget.setCaps(s.CreditsPerDay, s.CreditsPerRun)
	return l
}

// apply changes the settings in place: the limiter, the budget's caps (its
// reservations stay), the breaker's threshold, the timeout and the retry policy.
func (l *Lusha) apply(s LushaSettings) {
	old := l.settings.Swap(&s)
	// A limit that adapt lowered for Lusha's windows stays lowered unless the new
	// rate is lower still; the next answer's headers set it right either way.
	if cur := l.limiter.Limit(); cur >= old.pace() || cur > s.pace() {
		l.limiter.SetLimit(s.pace())
	}
	l.budget.setCaps(s.CreditsPerDay, s.CreditsPerRun)
	l.breaker.apply(s.Breaker)
}

// close drops the idle connections of a retired account.
func (l *Lusha) close() error {
	l.http.CloseIdleConnections()
	return nil
}

// Client is the Lusha client. Calls should go through Call, which paces them, guards
// them with the breaker and retries them.
func (l *Lusha) Client() *lusha.Client { return l.client }

// BreakerState is "closed", "half-open" or "open".
func (l *Lusha) BreakerState() string { return l.breaker.state().String() }
