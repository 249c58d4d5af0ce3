package account

import (
	"context"
	"time"

	"github.com/sony/gobreaker/v2"
	"golang.org/x/time/rate"

	"github.com/leadsync/leadsync/connector/react"
	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/lusha"
)

// Call makes one Lusha request through the account's limiter and breaker, with the
// retries of the react table. Each attempt gets the configured timeout; a half-open
// breaker is first probed with a call that costs no credits, so that a recovering
// Lusha is never tested with money. op must use the context it is given. A call
// that buys should run in its Claim's Context, which a shutdown does not cut short.
func Call[T any](ctx context.Context, l *Lusha, op func(ctx context.Context, c *lusha.Client) (T, *lusha.Response, error)) (T, error) {
	s := l.settings.Load()
	return react.Do(ctx, s.Retry, func() (T, error) { return attempt(ctx, l, s.Timeout, op) })
}

func attempt[T any](ctx context.Context, l *Lusha, timeout time.Duration, op func(ctx context.Context, c *lusha.Client) (T, *lusha.Response, error)) (T, error) {
	var zero T
	if l.breaker.state() == gobreaker.StateHalfOpen {
		if err := l.probe(ctx); err != nil {
			return zero, err
		}
	}
	if err := l.pace(ctx); err != nil {
		return zero, err
	}
	done, err := l.breaker.allow("lusha", "call")
	if err != nil {
		return zero, err
	}
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	v, resp, err := op(actx, l.client)
	done(err)
	l.metrics.CallFinished("lusha", string(crm.ClassOf(err)))
	if resp != nil {
		l.adapt(resp.Rate)
	}
	return v, err
}

func (l *Lusha) pace(ctx context.Context) error {
	start := time.Now()
	if err := l.limiter.Wait(ctx); err != nil {
		return err
	}
	l.metrics.LimiterWait("lusha", time.Since(start))
	return nil
}

// adapt slows the shared limiter when Lusha's minute or hour window runs low, so that
// the remaining requests are spread over a whole window instead of ending in 429s.
// The window's reset time is not sent, so the spread assumes a whole window is left:
// the safe side. When the windows have room again the configured rate returns.
func (l *Lusha) adapt(r lusha.Rate) {
	limit := float64(l.settings.Load().pace())
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

// Reserve books up to want credits within the per-run cap (given the run's spend so
// far) and the per-day cap (the store's spend today plus every reservation in
// flight). It returns how many it granted (0 when the budget is spent: the records
// wait, see ErrBudgetSpent) and the release to call once the spend is persisted or
// the call failed. Reservations survive reloads: a new cap counts them.
func (l *Lusha) Reserve(ctx context.Context, runSpent, want int, now time.Time) (granted int, release func(), err error) {
	return l.budget.reserve(ctx, runSpent, want, now)
}
