package connector

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/sony/gobreaker/v2"
	"golang.org/x/time/rate"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/lusha"
	"github.com/leadsync/leadsync/state"
)

// Lusha is one Lusha account as every pipeline shares it: the client behind one rate
// limiter, one circuit breaker and one credit budget.
type Lusha struct {
	client  *lusha.Client
	limiter *rate.Limiter
	breaker *gobreaker.TwoStepCircuitBreaker[struct{}]
	budget  *budget
	retry   retryPolicy
}

// NewLusha builds the shared Lusha account from its config.
func NewLusha(cfg LushaConfig, key Secret, store state.Store, onState func(from, to string)) *Lusha {
	client := lusha.NewClient(key.Reveal(),
		lusha.WithBaseURL(cfg.BaseURL),
		lusha.WithHTTPClient(&http.Client{Timeout: cfg.Timeout}))
	burst := max(1, int(cfg.Rate.PerSecond))
	return &Lusha{
		client:  client,
		limiter: rate.NewLimiter(rate.Limit(cfg.Rate.PerSecond), burst),
		breaker: newBreaker("lusha", cfg.Breaker, onState),
		budget:  &budget{store: store, perDay: cfg.Budget.CreditsPerDay, perRun: cfg.Budget.CreditsPerRun},
		retry:   defaultRetry(),
	}
}

// newBreaker opens after Failures consecutive unavailable answers. Only that class
// counts: rate limits, credits, auth and cancellations are excluded, and answers that
// say "no such person" prove the service is up.
func newBreaker(name string, cfg BreakerConfig, onState func(from, to string)) *gobreaker.TwoStepCircuitBreaker[struct{}] {
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
func call[T any](ctx context.Context, l *Lusha, spends bool, op func() (T, error)) (T, error) {
	return retry(ctx, l.retry, func() (T, error) {
		var zero T
		if spends && l.breaker.State() == gobreaker.StateHalfOpen {
			if err := l.probe(ctx); err != nil {
				return zero, err
			}
		}
		if err := l.limiter.Wait(ctx); err != nil {
			return zero, err
		}
		done, err := l.breaker.Allow()
		if err != nil {
			return zero, &crm.Error{Service: "lusha", Op: "call", Class: crm.ClassUnavailable,
				Message: "circuit breaker is open", Err: err}
		}
		v, err := op()
		done(err)
		return v, err
	})
}

// probe asks for the account's usage: free, and proof that Lusha answers again.
func (l *Lusha) probe(ctx context.Context) error {
	done, err := l.breaker.Allow()
	if err != nil {
		return &crm.Error{Service: "lusha", Op: "probe", Class: crm.ClassUnavailable,
			Message: "circuit breaker is open", Err: err}
	}
	_, _, err = l.client.AccountUsage(ctx)
	done(err)
	return err
}

// budget keeps credit spend within the per-run and per-day caps, counting credits
// already spent (from the store) and credits reserved by calls in flight.
type budget struct {
	store          state.Store
	perDay, perRun int
	mu             sync.Mutex
	reserved       int
}

var errBudgetSpent = &crm.Error{Service: "leadsync", Op: "budget", Class: crm.ClassCredits,
	Message: "credit budget spent"}

// available returns how many credits this run may still spend (-1: no cap).
func (b *budget) available(ctx context.Context, runSpent int, now time.Time) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.availableLocked(ctx, runSpent, now)
}

func (b *budget) availableLocked(ctx context.Context, runSpent int, now time.Time) (int, error) {
	left := -1
	if b.perRun > 0 {
		left = max(0, b.perRun-runSpent)
	}
	if b.perDay > 0 {
		day := now.UTC().Truncate(24 * time.Hour)
		spent, err := b.store.CreditsSpent(ctx, "", day)
		if err != nil {
			return 0, fmt.Errorf("read credit spend: %w", err)
		}
		dayLeft := max(0, b.perDay-spent-b.reserved)
		if left < 0 || dayLeft < left {
			left = dayLeft
		}
	}
	return left, nil
}

// reserve books up to want credits; it returns how many were granted and a release
// to call once the actual spend is persisted.
func (b *budget) reserve(ctx context.Context, runSpent, want int, now time.Time) (int, func(), error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	left, err := b.availableLocked(ctx, runSpent, now)
	if err != nil {
		return 0, func() {}, err
	}
	granted := want
	if left >= 0 && left < want {
		granted = left
	}
	b.reserved += granted
	var once sync.Once
	return granted, func() {
		once.Do(func() {
			b.mu.Lock()
			b.reserved -= granted
			b.mu.Unlock()
		})
	}, nil
}

func isBudget(err error) bool { return errors.Is(err, errBudgetSpent) }
