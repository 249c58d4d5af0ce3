package account

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
)

var (
	// ErrNotConfigured is what Use answers before the first Apply or after Close.
	ErrNotConfigured = errors.New("accounts: not configured")
	// ErrNoCRM is what Use answers for a CRM account the config does not name.
	ErrNoCRM = errors.New("accounts: no such CRM account")
)

// closer is an account that holds resources once it is retired.
type closer interface{ close() error }

// slot is one named account across reloads: the object new users get, and the
// retired ones that still have users. The current one is handed out only when no
// retired one is left, so that two clients of one upstream never pace, break and
// spend independently at the same time.
type slot[T closer] struct {
	cur     *entry[T] // nil: no longer configured
	retired []*entry[T]
}

// entry is one account object and how many users hold it.
type entry[T closer] struct {
	acct  T
	users int
	slot  *slot[T]
}

func (s *slot[T]) ready() bool { return s.cur != nil && len(s.retired) == 0 }

// retire moves the current account aside: to the retired ones while it has users,
// else to the returned list, to close now.
func (s *slot[T]) retire() (drained []closer) {
	if old := s.cur; old != nil {
		if old.users > 0 {
			s.retired = append(s.retired, old)
		} else {
			drained = append(drained, old.acct)
		}
	}
	s.cur = nil
	return drained
}

// install retires the current account and makes acct current.
func (s *slot[T]) install(acct T) (drained []closer) {
	drained = s.retire()
	s.cur = &entry[T]{acct: acct, slot: s}
	return drained
}

// leave ends one use; it reports whether a retired account just lost its last user.
func (e *entry[T]) leave() bool {
	e.users--
	if e.users > 0 || e.slot.cur == e {
		return false
	}
	e.slot.retired = slices.DeleteFunc(e.slot.retired, func(r *entry[T]) bool { return r == e })
	return true
}

// Lease holds the accounts one unit of work uses (a run, a webhook, a validation)
// until Release. A lease's accounts never change under it: a reload that replaces
// one waits for the lease to end before the new account is handed out.
type Lease struct {
	Lusha *Lusha
	crms  map[string]*CRM
	once  sync.Once
	leave func()
}

// CRM is the leased CRM account of that name, nil if it was not asked for.
func (l *Lease) CRM(name string) *CRM { return l.crms[name] }

// Release ends the lease; later calls do nothing. The accounts themselves stay
// usable by their other holders.
func (l *Lease) Release() { l.once.Do(l.leave) }

// Use leases the Lusha account and the named CRM accounts, all at once so that two
// users waiting for different replacements never wait for each other. It blocks
// while any of them is a new account whose retired predecessor still has users, and
// returns ctx's error if ctx ends first. Call Release when done: a lease never
// released holds back every later replacement of its accounts.
func (a *Accounts) Use(ctx context.Context, crms ...string) (*Lease, error) {
	for {
		a.mu.Lock()
		lease, wait, err := a.tryUse(uniq(crms))
		a.mu.Unlock()
		if lease != nil || err != nil {
			return lease, err
		}
		select {
		case <-wait:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// tryUse takes the accounts if all are ready, else returns what to wait on.
func (a *Accounts) tryUse(names []string) (*Lease, <-chan struct{}, error) {
	if a.lusha.cur == nil {
		return nil, nil, ErrNotConfigured
	}
	ready := a.lusha.ready()
	for _, n := range names {
		s := a.crms[n]
		if s == nil || s.cur == nil {
			return nil, nil, fmt.Errorf("%w: %s", ErrNoCRM, n)
		}
		ready = ready && s.ready()
	}
	if !ready {
		return nil, a.changed, nil
	}
	lu := a.lusha.cur
	lu.users++
	lease := &Lease{Lusha: lu.acct, crms: make(map[string]*CRM, len(names))}
	entries := make([]*entry[*CRM], len(names))
	for i, n := range names {
		entries[i] = a.crms[n].cur
		entries[i].users++
		lease.crms[n] = entries[i].acct
	}
	lease.leave = func() { a.leave(lu, entries) }
	return lease, nil, nil
}

func (a *Accounts) leave(lu *entry[*Lusha], crms []*entry[*CRM]) {
	var drained []closer
	a.mu.Lock()
	if lu.leave() {
		drained = append(drained, lu.acct)
	}
	for _, e := range crms {
		if e.leave() {
			drained = append(drained, e.acct)
		}
	}
	if len(drained) > 0 {
		a.wakeLocked()
	}
	a.mu.Unlock()
	a.closeAll(drained)
}

// wakeLocked wakes every Use waiting for a change.
func (a *Accounts) wakeLocked() {
	close(a.changed)
	a.changed = make(chan struct{})
}

func (a *Accounts) closeAll(drained []closer) {
	for _, c := range drained {
		if err := c.close(); err != nil {
			a.sh.log.Warn("closing a retired account failed", "err", err)
		}
	}
}
