package run

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/state"
)

// heldLease is a pipeline's lease while a run holds it. Its fence goes with every
// write-ahead stage and page commit, which the store refuses once another holder took
// over; locally the lease is trusted only until a little before it expires, so that a
// holder that stalled (SIGSTOP, a long pause) stops before it writes from a stale read.
type heldLease struct {
	fence        state.Fence
	trustedUntil atomic.Int64 // unix ms
	lostErr      atomic.Pointer[error]
	cancel       context.CancelFunc
	done         chan struct{}
	release      func()
}

var errLeaseLost = &crm.Error{Service: "leadsync", Op: "lease", Class: crm.ClassConflict,
	Message: "this pipeline's lease was lost (the process stalled past lease_ttl and another took over); stopping without writing"}

// check returns the reason the lease can no longer be trusted, or nil. Trust is
// kept on this process's own clock (not the store's, nor a run's test clock).
func (l *heldLease) check() error {
	if l == nil {
		return nil
	}
	if p := l.lostErr.Load(); p != nil {
		return *p
	}
	if time.Now().UnixMilli() >= l.trustedUntil.Load() {
		return errLeaseLost
	}
	return nil
}

func (l *heldLease) lose(err error) {
	if l != nil {
		l.lostErr.CompareAndSwap(nil, &err)
	}
}

// commitFenced stores a commit under the lease's fence. A fence that no longer holds
// is the reason to stop (another process took the pipeline over), not a failure.
func (rn *run) commitFenced(ctx context.Context, pc state.PageCommit) (stop, err error) {
	pc.Fence = rn.lease.fenceOf()
	err = rn.Store.CommitPage(ctx, pc)
	if errors.Is(err, state.ErrLeaseLost) {
		lost := fmt.Errorf("%w: %v", errLeaseLost, err)
		rn.lease.lose(lost)
		return lost, nil
	}
	return nil, err
}

// fenceOf is the fence for a store write: zero in a dry run.
func (l *heldLease) fenceOf() state.Fence {
	if l == nil {
		return state.Fence{}
	}
	return l.fence
}

// holdLease takes the pipeline's lease and renews it every third of its ttl until
// released, as owner. A lease whose owner is known dead (Alive) is taken at once.
func (r *Runner) holdLease(ctx context.Context, pipeline, owner string) (*heldLease, error) {
	ttl := r.LeaseTTL
	if ttl <= 0 {
		ttl = 2 * time.Minute
	}
	start := time.Now()
	lease, err := r.Store.Acquire(ctx, pipeline, owner, ttl)
	if held, ok := errors.AsType[*state.LeaseHeldError](err); ok && r.Alive != nil && !r.Alive(held.Owner) {
		r.Logger.Warn("taking the lease of a process that died", "pipeline", pipeline, "owner", held.Owner)
		if err = r.Store.BreakLease(ctx, pipeline, held.Owner); err == nil {
			lease, err = r.Store.Acquire(ctx, pipeline, owner, ttl)
		}
	}
	if err != nil {
		return nil, err
	}
	renewCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	l := &heldLease{fence: lease.Fence(), cancel: cancel, done: make(chan struct{})}
	l.trust(ttl, start)
	go r.renew(renewCtx, l, ttl)
	var once sync.Once
	l.release = func() {
		once.Do(func() {
			cancel()
			<-l.done
			relCtx, relCancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer relCancel()
			if err := r.Store.ReleaseLease(relCtx, pipeline, owner); err != nil && !errors.Is(err, state.ErrLeaseHeld) {
				r.Logger.Warn("lease release failed", "pipeline", pipeline, "err", err)
			}
		})
	}
	return l, nil
}

// trust sets how long the lease may be trusted without renewal, from the moment the
// acquiring or renewing call started (River's rule: stop trusting at start + ttl -
// margin): the store's expiry is at least that far, whatever its clock says.
func (l *heldLease) trust(ttl time.Duration, start time.Time) {
	margin := min(ttl/10, 5*time.Second)
	l.trustedUntil.Store(start.Add(ttl - margin).UnixMilli())
}

func (r *Runner) renew(ctx context.Context, l *heldLease, ttl time.Duration) {
	defer close(l.done)
	t := time.NewTicker(ttl / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			start := time.Now()
			_, err := r.Store.Renew(ctx, l.fence, ttl)
			switch {
			case err == nil:
				l.trust(ttl, start)
			case errors.Is(err, state.ErrLeaseLost):
				l.lose(fmt.Errorf("%w: %v", errLeaseLost, err))
				return
			case ctx.Err() == nil:
				r.Logger.Warn("lease renewal failed", "pipeline", l.fence.Pipeline, "err", err)
			}
		}
	}
}
