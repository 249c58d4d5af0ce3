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

// Limiter is a token bucket the pacer waits on: the client's own by default, or one
// that every replica of a cluster shares (WithLimiters).
type Limiter interface {
	Wait(ctx context.Context) error
	SetLimit(r rate.Limit)
	SetBurst(n int)
	// Drain spends saved-up calls until at most n are left and, when pause > 0, admits
	// none for that long.
	Drain(ctx context.Context, n int, pause time.Duration)
}

// WithLimiters makes the pacer's token buckets with newLimiter instead of in the
// client, so that several processes calling one account can keep to its limits
// together: name is "search" or "burst", perSecond and burst the client's settings.
// The daily quota needs no sharing: the client keeps no count of its own, and
// HubSpot counts it for the whole account.
func WithLimiters(newLimiter func(name string, perSecond rate.Limit, burst int) Limiter) Option {
	return func(c *Client) { c.newLimiter = newLimiter }
}

// pacer spaces requests so that the client alone never provokes a 429. It is not a
// retry: a refused call is still the connector's to retry. All pipelines using one
// Client share it.
type pacer struct {
	search Limiter // nil: not paced
	burst  Limiter

	mu       sync.Mutex
	max      int
	interval time.Duration
	bucket   int // the burst bucket's size
}

func newPacer(l Limits, newLimiter func(string, rate.Limit, int) Limiter) *pacer {
	if newLimiter == nil {
		newLimiter = newLocalLimiter
	}
	p := &pacer{}
	if l.SearchPerSecond >= 0 {
		// A burst of 1: the server counts a rolling second, so a token bucket that
		// saved up several calls could spend them inside one window.
		p.search = newLimiter("search", rate.Limit(cmpOrFloat(l.SearchPerSecond, DefaultSearchPerSecond)), 1)
	}
	if l.Burst >= 0 {
		p.max, p.interval = l.Burst, l.Interval
		if p.max == 0 {
			p.max = TierLimits(TierFree).Burst
		}
		if p.interval <= 0 {
			p.interval = burstInterval
		}
		var r rate.Limit
		r, p.bucket = burstRate(p.max, p.interval)
		p.burst = newLimiter("burst", r, p.bucket)
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
	l := p.burst
	if search {
		l = p.search
	}
	if l == nil {
		return nil
	}
	return l.Wait(ctx)
}

// observe adapts to the rate-limit headers of a non-search answer: the account's
// real window (another tier than configured), and what is left of it when other
// clients of the same app spend it too.
func (p *pacer) observe(ctx context.Context, h http.Header) {
	if p.burst == nil {
		return
	}
	maxCalls, err1 := strconv.Atoi(h.Get("X-HubSpot-RateLimit-Max"))
	ms, err2 := strconv.Atoi(h.Get("X-HubSpot-RateLimit-Interval-Milliseconds"))
	remaining, err3 := strconv.Atoi(h.Get("X-HubSpot-RateLimit-Remaining"))
	if err1 == nil && err2 == nil && maxCalls > 0 && ms > 0 {
		if bucket, changed := p.resize(maxCalls, time.Duration(ms)*time.Millisecond); changed {
			// Calls saved up under the old rate must not spill into the new window;
			// the call just answered already took one of its places.
			p.burst.Drain(ctx, bucket-1, 0)
		}
	}
	if err3 != nil || remaining < 0 {
		return
	}
	p.mu.Lock()
	interval, bucket := p.interval, p.bucket
	p.mu.Unlock()
	if remaining == 0 {
		// The window is spent and the server does not say when its oldest call
		// leaves it: a whole interval is the wait that is sure to be enough.
		p.burst.Drain(ctx, 0, interval)
		return
	}
	// Never hold more saved-up calls than the server says are left (the bucket never
	// holds more than its size, so a larger remainder needs nothing).
	if remaining < bucket {
		p.burst.Drain(ctx, remaining, 0)
	}
}

// resize fits the burst bucket to the account's real window and reports its size
// and whether it changed.
func (p *pacer) resize(maxCalls int, interval time.Duration) (int, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if maxCalls == p.max && interval == p.interval {
		return p.bucket, false
	}
	p.max, p.interval = maxCalls, interval
	r, b := burstRate(maxCalls, interval)
	p.burst.SetLimit(r)
	p.burst.SetBurst(b)
	p.bucket = b
	return b, true
}

// localLimiter is a token bucket of this client alone.
type localLimiter struct {
	*rate.Limiter

	mu          sync.Mutex
	pausedUntil time.Time
}

func newLocalLimiter(_ string, r rate.Limit, burst int) Limiter {
	return &localLimiter{Limiter: rate.NewLimiter(r, burst)}
}

func (l *localLimiter) Wait(ctx context.Context) error {
	l.mu.Lock()
	pause := time.Until(l.pausedUntil)
	l.mu.Unlock()
	if pause > 0 {
		t := time.NewTimer(pause)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return l.Limiter.Wait(ctx)
}

func (l *localLimiter) Drain(_ context.Context, n int, pause time.Duration) {
	if pause > 0 {
		l.mu.Lock()
		l.pausedUntil = time.Now().Add(pause)
		l.mu.Unlock()
	}
	if extra := l.Tokens() - float64(max(n, 0)); extra >= 1 {
		l.ReserveN(time.Now(), int(extra))
	}
}

func cmpOrFloat(v, fallback float64) float64 {
	if v > 0 {
		return v
	}
	return fallback
}
