package connector

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/leadsync/leadsync/connector/config"
	"github.com/leadsync/leadsync/crm"
)

// retryPolicy is the connector's one answer to transient failures (DESIGN §4):
// rate_limited waits as the server says, else full-jitter backoff from Base doubling to
// Max; unavailable backs off the same way. Every other class returns at once.
type retryPolicy struct {
	Base, Max time.Duration
	// Attempts bounds the calls per class; after that the error goes to the caller,
	// which ends the run with the matching status and loses nothing.
	RateLimitedAttempts, UnavailableAttempts int
	// Sleep waits or returns ctx's error; tests and synctest use the real one.
	Sleep func(ctx context.Context, d time.Duration) error
}

func defaultRetry() retryPolicy {
	return newRetry(config.Retry{Base: time.Second, Max: 60 * time.Second})
}

func newRetry(c config.Retry) retryPolicy {
	return retryPolicy{Base: c.Base, Max: c.Max, RateLimitedAttempts: 10, UnavailableAttempts: 5, Sleep: sleepCtx}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// backoff is full jitter: a uniform wait in [0, min(Max, Base·2^n)).
func (p retryPolicy) backoff(n int) time.Duration {
	ceil := p.Base << min(n, 20)
	if ceil > p.Max || ceil <= 0 {
		ceil = p.Max
	}
	return time.Duration(rand.Int64N(int64(ceil)) + 1)
}

// retry calls op until it succeeds, fails with a class that is not retried, runs out
// of attempts, or ctx ends.
func retry[T any](ctx context.Context, p retryPolicy, op func() (T, error)) (T, error) {
	var tries [2]int
	for {
		v, err := op()
		if err == nil {
			return v, nil
		}
		var wait time.Duration
		switch crm.ClassOf(err) {
		case crm.ClassRateLimited:
			tries[0]++
			if tries[0] >= p.RateLimitedAttempts {
				return v, err
			}
			wait = crm.RetryAfter(err)
			if wait > p.Max {
				return v, err // the window reopens later than a run should wait: a later run resumes
			}
			if wait <= 0 {
				wait = p.backoff(tries[0] - 1)
			}
		case crm.ClassUnavailable:
			tries[1]++
			if tries[1] >= p.UnavailableAttempts {
				return v, err
			}
			wait = max(crm.RetryAfter(err), p.backoff(tries[1]-1))
		default:
			return v, err
		}
		if ctx.Err() != nil {
			return v, err
		}
		if serr := p.Sleep(ctx, min(wait, p.Max)); serr != nil {
			return v, err
		}
	}
}
