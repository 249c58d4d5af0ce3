package hubspot

import (
	"context"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Tier is a HubSpot subscription, which sets the account's burst limit (reference
// §9.1).
type Tier string

const (
	TierFree         Tier = "free" // also Starter
	TierProfessional Tier = "professional"
	TierEnterprise   Tier = "enterprise"
	TierPublicApp    Tier = "public_app" // an OAuth (marketplace) app
)

// Limits is what the client paces itself to. A negative value switches that pacing
// off (tests, proxies that limit on their own).
type Limits struct {
	// SearchPerSecond paces the search endpoints, which HubSpot limits to 5 a second
	// per account and answers without rate-limit headers.
	SearchPerSecond float64
	// Burst is the number of other calls allowed per Interval (rolling).
	Burst    int
	Interval time.Duration
}

// DefaultSearchPerSecond stays under HubSpot's 5 searches per rolling second with
// room for 250 ms of jitter between requests, as the reference advises (§11.5): at
// 4.75/s one request delayed by 50 ms on a busy machine already puts six in a second.
const DefaultSearchPerSecond = 4.0

const burstInterval = 10 * time.Second

// TierLimits returns the limits of a tier; an unknown tier gets the free tier's.
func TierLimits(t Tier) Limits {
	l := Limits{SearchPerSecond: DefaultSearchPerSecond, Burst: 100, Interval: burstInterval}
	switch t {
	case TierProfessional, TierEnterprise:
		l.Burst = 190
	case TierPublicApp:
		l.Burst = 110
	}
	return l
}

// WithTier paces the client to a tier's limits (default TierFree).
func WithTier(t Tier) Option { return WithLimits(TierLimits(t)) }

// WithLimits paces the client to explicit limits.
func WithLimits(l Limits) Option {
	return func(c *Client) { c.limits = l }
}

// pacer spaces requests so that the client alone never provokes a 429. It is not a
// retry: a refused call is still the connector's to retry. All pipelines using one
// Client share it.
type pacer struct {
	search *rate.Limiter // nil: not paced
	burst  *rate.Limiter

	mu          sync.Mutex
	max         int
	interval    time.Duration
	pausedUntil time.Time
}

func newPacer(l Limits) *pacer {
	p := &pacer{}
	if l.SearchPerSecond >= 0 {
		// A burst of 1: the server counts a rolling second, so a token bucket that
		// saved up several calls could spend them inside one window.
		p.search = rate.NewLimiter(rate.Limit(cmpOrFloat(l.SearchPerSecond, DefaultSearchPerSecond)), 1)
	}
	if l.Burst >= 0 {
		p.max, p.interval = l.Burst, l.Interval
		if p.max == 0 {
			p.max = TierLimits(TierFree).Burst
		}
		if p.interval <= 0 {
			p.interval = burstInterval
		}
		p.burst = rate.NewLimiter(burstRate(p.max, p.interval))
	}
	return p
}

// burstRate fits a token bucket inside a rolling window of max calls per interval:
// in any interval it admits at most bucket + rate×interval = calls.
func burstRate(calls int, interval time.Duration) (rate.Limit, int) {
	bucket := max(1, calls/20)
	perSecond := float64(calls-bucket) / interval.Seconds()
	return rate.Limit(math.Max(perSecond, 0.01)), bucket
}

// wait blocks until a call may be sent, or ctx ends.
func (p *pacer) wait(ctx context.Context, search bool) error {
	if search {
		if p.search == nil {
			return nil
		}
		return p.search.Wait(ctx)
	}
	if p.burst == nil {
		return nil
	}
	p.mu.Lock()
	pause := time.Until(p.pausedUntil)
	p.mu.Unlock()
	if pause > 0 {
		t := time.NewTimer(pause)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return p.burst.Wait(ctx)
}

// observe adapts to the rate-limit headers of a non-search answer: the account's
// real window (another tier than configured), and what is left of it when other
// clients of the same app spend it too.
func (p *pacer) observe(h http.Header) {
	if p.burst == nil {
		return
	}
	maxCalls, err1 := strconv.Atoi(h.Get("X-HubSpot-RateLimit-Max"))
	ms, err2 := strconv.Atoi(h.Get("X-HubSpot-RateLimit-Interval-Milliseconds"))
	remaining, err3 := strconv.Atoi(h.Get("X-HubSpot-RateLimit-Remaining"))
	p.mu.Lock()
	defer p.mu.Unlock()
	if err1 == nil && err2 == nil && maxCalls > 0 && ms > 0 {
		if interval := time.Duration(ms) * time.Millisecond; maxCalls != p.max || interval != p.interval {
			p.max, p.interval = maxCalls, interval
			r, b := burstRate(maxCalls, interval)
			p.burst.SetLimit(r)
			p.burst.SetBurst(b)
			// Calls saved up under the old rate must not spill into the new window;
			// the call just answered already took one of its places.
			p.drainTo(b - 1)
		}
	}
	if err3 != nil || remaining < 0 {
		return
	}
	if remaining == 0 {
		// The window is spent and the server does not say when its oldest call
		// leaves it: a whole interval is the wait that is sure to be enough.
		p.pausedUntil = time.Now().Add(p.interval)
		return
	}
	// Never hold more saved-up calls than the server says are left.
	p.drainTo(remaining)
}

// drainTo spends saved-up calls until at most n are left.
func (p *pacer) drainTo(n int) {
	if extra := p.burst.Tokens() - float64(max(n, 0)); extra >= 1 {
		p.burst.ReserveN(time.Now(), int(extra))
	}
}

func cmpOrFloat(v, fallback float64) float64 {
	if v > 0 {
		return v
	}
	return fallback
}
