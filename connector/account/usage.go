package account

import (
	"context"
	"sync"
	"time"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/lusha"
)

// usageMemo keeps what the account's usage answers said: the balance, which ages
// fast, and the price list, which changes with the contract.
type usageMemo struct {
	mu      sync.Mutex
	left    int64 // credits left at at
	at      time.Time
	pricing lusha.Pricing // nil until an answer priced something
}

func (m *usageMemo) remember(u *lusha.AccountUsage, now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if u.Credits != nil {
		// A balance is a JSON number: a fraction of a credit is not one to spend.
		m.left, m.at = int64(u.Credits.Remaining), now
	}
	if len(u.Pricing) > 0 {
		m.pricing = u.Pricing
	}
}

// balance is the credits left as an answer of the past minute said, or -1.
func (m *usageMemo) balance(now time.Time) int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.at.IsZero() || now.Sub(m.at) >= time.Minute {
		return -1
	}
	return m.left
}

func (m *usageMemo) prices() lusha.Pricing {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.pricing
}

// usage is one GET /v3/account/usage through the breaker, without retries. Every
// answer is remembered, whoever asked.
func (l *Lusha) usage(ctx context.Context, op string) (*lusha.AccountUsage, error) {
	// Free, but Lusha counts it in the account's requests per second like any call.
	if err := l.pace(ctx); err != nil {
		return nil, err
	}
	done, err := l.breaker.allow("lusha", op)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, l.settings.Load().Timeout)
	defer cancel()
	u, _, err := l.client.AccountUsage(ctx)
	done(err)
	l.metrics.CallFinished("lusha", string(crm.ClassOf(err)))
	if err == nil {
		l.memo.remember(u, time.Now())
	}
	return u, err
}

// probe asks for the account's usage: free, and proof that Lusha answers again. Its
// own allowance is waited for before the breaker's one half-open permit is taken.
func (l *Lusha) probe(ctx context.Context) error {
	if err := l.usageLimiter.Wait(ctx); err != nil {
		return err
	}
	_, err := l.usage(ctx, "probe")
	return err
}

// CreditsLeft is the pre-flight check of a run: the account's remaining credits, or
// -1 when unknown. GET /v3/account/usage is free but allowed 5 times a minute, so a
// fresh answer is asked for only when that allowance has room; otherwise the answer
// of the past minute serves. A failure is not fatal: the run's own calls will meet
// the problem and classify it.
func (l *Lusha) CreditsLeft(ctx context.Context) int64 {
	if l.usageLimiter.Admit(ctx) {
		_, _ = l.usage(ctx, "credits")
	}
	return l.memo.balance(time.Now())
}

// Pricing is the account's price list as its last usage answer gave it (nil before
// any did). Every usage answer refreshes it: pre-flights, probes and LearnPricing.
func (l *Lusha) Pricing() lusha.Pricing { return l.memo.prices() }

// LearnPricing asks for the account's prices unless an answer already gave them. It
// is free, and asks only when the usage allowance has room now: it never waits.
func (l *Lusha) LearnPricing(ctx context.Context) {
	if l.memo.prices() != nil || !l.usageLimiter.Admit(ctx) {
		return
	}
	_, _ = l.usage(ctx, "pricing")
}
