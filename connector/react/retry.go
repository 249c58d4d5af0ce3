package react

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/leadsync/leadsync/crm"
)

// Policy shapes in-call retries: full-jitter backoff from Base doubling to Max. The
// attempts per class come from Table.
type Policy struct {
	Base, Max time.Duration
	// Attempts, when set, overrides Table's attempts for every retried class (tests,
	// and one-shot calls such as the pre-flight usage check).
	Attempts int
	// Sleep waits or returns ctx's error; nil is a real timer.
	Sleep func(ctx context.Context, d time.Duration) error
	// Final, when it reports true for an error, ends the retries: a write whose
	// outcome is unknown is settled by a read-back, never sent again.
	Final func(error) bool
}

func (p Policy) sleep(ctx context.Context, d time.Duration) error {
	if p.Sleep != nil {
		return p.Sleep(ctx, d)
	}
	return Sleep(ctx, d)
}

// Sleep waits d or until ctx ends.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Backoff is full jitter: a uniform wait in (0, min(Max, Base·2^n)].
func (p Policy) Backoff(n int) time.Duration {
	ceil := p.Base << min(n, 20)
	if ceil > p.Max || ceil <= 0 {
		ceil = p.Max
	}
	if ceil <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(ceil)) + 1)
}

// Wait is how long to wait before attempt n+1 (n counted from 1) after err, and
// whether to make it at all.
func (p Policy) Wait(err error, n int) (time.Duration, bool) {
	class := crm.ClassOf(err)
	r := For(class)
	attempts := r.Attempts
	if p.Attempts > 0 {
		attempts = p.Attempts
	}
	if !r.Retry || n >= attempts {
		return 0, false
	}
	hint := crm.RetryAfter(err)
	if class == crm.ClassRateLimited {
		if hint > p.Max {
			return 0, false // the window reopens later than a run should wait
		}
		if hint > 0 {
			return hint, true
		}
		return p.Backoff(n - 1), true
	}
	return min(max(hint, p.Backoff(n-1)), max(p.Max, hint)), true
}

// Do calls op until it succeeds, fails with a class that is not retried or an error
// that Final says is final, runs out of attempts, or ctx ends.
func Do[T any](ctx context.Context, p Policy, op func() (T, error)) (T, error) {
	counts := map[crm.Class]int{}
	for {
		v, err := op()
		if err == nil {
			return v, nil
		}
		if p.Final != nil && p.Final(err) {
			return v, err
		}
		class := crm.ClassOf(err)
		counts[class]++
		wait, again := p.Wait(err, counts[class])
		if !again || ctx.Err() != nil {
			return v, err
		}
		if p.sleep(ctx, wait) != nil {
			return v, err
		}
	}
}
