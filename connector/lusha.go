package connector

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/sony/gobreaker/v2"
	"golang.org/x/time/rate"

	"github.com/leadsync/leadsync/connector/config"
	"github.com/leadsync/leadsync/connector/observe"
	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/lusha"
	"github.com/leadsync/leadsync/state"
)

// Lusha is one Lusha account as every pipeline shares it: the client behind one rate
// limiter, one circuit breaker and one credit budget.
type Lusha struct {
	client  *lusha.Client
	limiter *rate.Limiter
	// usageLimiter keeps GET /v3/account/usage within its own 5 a minute.
	usageLimiter *rate.Limiter
	perSecond    float64 // the configured rate, the ceiling of adapt
	usageMu      sync.Mutex
	usageLeft    int64 // credits left at usageAt, from the last pre-flight
	usageAt      time.Time
	breaker      *gobreaker.TwoStepCircuitBreaker[struct{}]
	budget       *budget
	retry        retryPolicy
	metrics      *observe.Metrics // nil-safe
}

// NewLusha builds the shared Lusha account from its config.
func NewLusha(cfg config.Lusha, key config.Secret, store state.Store, onState func(from, to string)) *Lusha {
	client := lusha.NewClient(key.Reveal(),
		lusha.WithBaseURL(cfg.BaseURL),
		lusha.WithHTTPClient(&http.Client{Timeout: cfg.Timeout}))
	return &Lusha{
		client: client,
		// A burst of one: Lusha counts requests in fixed windows, and a full bucket
		// spent at a window's end plus the refill would overrun the next one.
		limiter:      rate.NewLimiter(rate.Limit(cfg.Rate.PerSecond), 1),
		usageLimiter: rate.NewLimiter(rate.Every(12*time.Second), 5),
		perSecond:    cfg.Rate.PerSecond,
		breaker:      newBreaker("lusha", cfg.Breaker, onState),
		budget:       &budget{store: store, perDay: cfg.Budget.CreditsPerDay, perRun: cfg.Budget.CreditsPerRun},
		retry:        defaultRetry(),
	}
}

// newBreaker opens after Failures consecutive unavailable answers. Only that class
// counts: rate limits, credits, auth and cancellations are excluded, and answers that
// say "no such person" prove the service is up.
func newBreaker(name string, cfg config.Breaker, onState func(from, to string)) *gobreaker.TwoStepCircuitBreaker[struct{}] {
	return gobreaker.NewTwoStepCircuitBreaker[struct{}](gobreaker.Settings{
		Name:        name,
		MaxRequests: 1,
		Timeout:     cfg.Timeout,
		ReadyToTrip: func(c gobreaker.Counts) bool { return int(c.ConsecutiveFailures) >= cfg.Failures },
		IsExcluded: func(err error) bool {
			switch crm.ClassOf(err) {
			case crm.ClassRateLimited, crm.ClassQuotaExhausted, crm.ClassCredits, crm.ClassAuth, crm.ClassCanceled:
				return true
			}
			return false
		},
		IsSuccessful: func(err error) bool { return crm.ClassOf(err) != crm.ClassUnavailable },
		OnStateChange: func(_ string, from, to gobreaker.State) {
			// Runs under the breaker's lock: never call back into it from here.
			if onState != nil {
				onState(from.String(), to.String())
			}
		},
	})
}

// BreakerState is "closed", "half-open" or "open".
func (l *Lusha) BreakerState() string { return l.breaker.State().String() }

// call runs one Lusha request through the limiter and the breaker, with the
// connector's retries. A half-open breaker is first probed with a call that costs no
// credits, so that a recovering Lusha is never tested with money.
func call[T any](ctx context.Context, l *Lusha, op func() (T, *lusha.Response, error)) (T, error) {
	return retry(ctx, l.retry, func() (T, error) {
		var zero T
		if l.breaker.State() == gobreaker.StateHalfOpen {
			if err := l.probe(ctx); err != nil {
				return zero, err
			}
		}
		waitStart := time.Now()
		if err := l.limiter.Wait(ctx); err != nil {
			return zero, err
		}
		l.metrics.LimiterWait("lusha", time.Since(waitStart))
		done, err := l.breaker.Allow()
		if err != nil {
			return zero, &crm.Error{Service: "lusha", Op: "call", Class: crm.ClassUnavailable,
				Message: "circuit breaker is open", Err: err}
		}
		v, resp, err := op()
		done(err)
		l.metrics.CallFinished("lusha", string(crm.ClassOf(err)))
		if resp != nil {
			l.adapt(resp.Rate)
		}
		return v, err
	})
}

// adapt slows the shared limiter when Lusha's minute or hour window runs low, so that
// the remaining requests are spread over a whole window instead of ending in 429s.
// The window's reset time is not sent, so the spread assumes a whole window is left:
// the safe side. When the windows have room again the configured rate returns.
func (l *Lusha) adapt(r lusha.Rate) {
	limit := l.perSecond
	for _, w := range []struct {
		win lusha.Window
		per time.Duration
	}{{r.Minute, time.Minute}, {r.Hourly, time.Hour}} {
		if !w.win.Known() {
			continue
		}
		if spread := float64(w.win.Remaining) / w.per.Seconds(); spread < limit {
			limit = max(spread, 1/w.per.Seconds())
		}
	}
	if rate.Limit(limit) != l.limiter.Limit() {
		l.limiter.SetLimit(rate.Limit(limit))
	}
}

// probe asks for the account's usage: free, and proof that Lusha answers again.
func (l *Lusha) probe(ctx context.Context) error {
	done, err := l.breaker.Allow()
	if err != nil {
		return &crm.Error{Service: "lusha", Op: "probe", Class: crm.ClassUnavailable,
			Message: "circuit breaker is open", Err: err}
	}
	if err := l.usageLimiter.Wait(ctx); err != nil {
		done(err)
		return err
	}
	_, _, err = l.client.AccountUsage(ctx)
	done(err)
	return err
}

// CreditsLeft is the pre-flight check of a run: the account's remaining credits, or -1
// when unknown. GET /v3/account/usage is free but allowed 5 times a minute per account,
// so a fresh answer is asked for only when that allowance has room; otherwise the last
// answer of the past minute serves. A failure is not fatal: the run's own calls will
// meet the problem and classify it.
func (l *Lusha) CreditsLeft(ctx context.Context) int64 {
	l.usageMu.Lock()
	defer l.usageMu.Unlock()
	if time.Since(l.usageAt) < time.Minute && !l.usageLimiter.Allow() {
		return l.usageLeft
	}
	if l.usageAt.IsZero() && !l.usageLimiter.Allow() {
		return -1
	}
	once := l.retry
	once.RateLimitedAttempts, once.UnavailableAttempts = 1, 1
	u, err := retry(ctx, once, func() (*lusha.AccountUsage, error) {
		done, err := l.breaker.Allow()
		if err != nil {
			return nil, err
		}
		u, _, err := l.client.AccountUsage(ctx)
		done(err)
		return u, err
	})
	if err != nil || u.Credits == nil {
		return -1
	}
	l.usageLeft, l.usageAt = u.Credits.Remaining, time.Now()
	return l.usageLeft
}
