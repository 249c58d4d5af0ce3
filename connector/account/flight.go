package account

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/leadsync/leadsync/connector/react"
)

// Claims is the part of the state store that makes single flight hold across
// processes. The store deletes a key's claim in the same transaction that saves its
// answer, so that a waiter who finds no claim finds the answer.
type Claims interface {
	// ClaimIdentities takes the keys that are free, expired or already owner's, until
	// ttl from now, and returns those it took.
	ClaimIdentities(ctx context.Context, owner string, keys []string, ttl time.Duration) ([]string, error)
	// ReleaseClaims deletes owner's claims of keys; others' stay.
	ReleaseClaims(ctx context.Context, owner string, keys []string) error
	// ClaimHolders says who holds the unexpired claims on keys.
	ClaimHolders(ctx context.Context, keys []string) (map[string]string, error)
}

// flights is the process's table of identities being bought: one flight per key,
// whichever pipeline or Lusha account asked. Every store claim of this process is
// made for a key held here first, so the process never claims a key twice.
type flights struct {
	owner  string // this process in the store's claims
	claims Claims // nil: single flight within the process only
	alive  func(owner string) bool
	log    *slog.Logger
	mu     sync.Mutex
	keys   map[string]chan struct{} // closed when the flight ends
}

// Poll spacing while another process holds a claim: short at first, bounded.
const (
	pollFirst = 50 * time.Millisecond
	pollMax   = 2 * time.Second
	// releaseTimeout bounds giving claims back to the store.
	releaseTimeout = 10 * time.Second
	// persistMargin is the time a claim outlives its flight's context, for the
	// answer to be saved after the last call.
	persistMargin = time.Minute
)

func newFlights(owner string, claims Claims, alive func(string) bool, log *slog.Logger) *flights {
	return &flights{owner: owner, claims: claims, alive: alive, log: log, keys: map[string]chan struct{}{}}
}

// Claim is the outcome of one claim: the keys this caller now buys (Mine) and the
// keys someone else is buying (Others, to Wait for). Its methods are safe for
// concurrent use.
type Claim struct {
	Mine, Others []string
	f            *flights
	deadline     time.Time
	mu           sync.Mutex
	held         map[string]bool // of Mine, those not released yet
}

// Claim takes the flights of keys (identity keys and company keys alike) that no one
// else in this process or, through the store, in another process is buying. ctx
// bounds only the store's answer: the flights it returns are detached from it and
// end only with Release. The caller must Release every key of Mine, even on failure
// (a defer), and only after its answer was persisted; a key released without an
// answer lets a waiter claim and buy it.
func (l *Lusha) Claim(ctx context.Context, keys []string) (*Claim, error) {
	return l.flights.claim(ctx, keys, callBound(*l.settings.Load())+persistMargin)
}

// claim holds keys in the table, then in the store for ttl; a key is Mine only if
// both were won.
func (f *flights) claim(ctx context.Context, keys []string, ttl time.Duration) (*Claim, error) {
	c := &Claim{f: f, deadline: time.Now().Add(ttl - persistMargin)}
	f.mu.Lock()
	for _, k := range uniq(keys) {
		if _, busy := f.keys[k]; busy {
			c.Others = append(c.Others, k)
			continue
		}
		f.keys[k] = make(chan struct{})
		c.Mine = append(c.Mine, k)
	}
	f.mu.Unlock()
	if f.claims != nil && len(c.Mine) > 0 {
		won, err := f.claims.ClaimIdentities(ctx, f.owner, c.Mine, ttl)
		if err != nil {
			f.end(c.Mine)
			return nil, err
		}
		var lost []string
		c.Mine, lost = split(c.Mine, won)
		f.end(lost)
		c.Others = append(c.Others, lost...)
	}
	c.held = make(map[string]bool, len(c.Mine))
	for _, k := range c.Mine {
		c.held[k] = true
	}
	return c, nil
}

// split parts keys into those in won and the rest.
func split(keys, won []string) (in, out []string) {
	set := make(map[string]bool, len(won))
	for _, k := range won {
		set[k] = true
	}
	for _, k := range keys {
		if set[k] {
			in = append(in, k)
		} else {
			out = append(out, k)
		}
	}
	return in, out
}

// Context is the context to buy and persist the claimed answers in: not cancelled
// with ctx (credits are spent once a request is sent), but ended a margin before
// the store's claim expires, so that no other process buys a key while this flight
// still may.
func (c *Claim) Context(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithDeadline(context.WithoutCancel(ctx), c.deadline)
}

// Release ends the flights of keys (every key of Mine when none are named) and wakes
// their waiters. Keys not in Mine, or released already, are ignored. A store claim
// it cannot delete is logged and expires with its TTL.
func (c *Claim) Release(keys ...string) {
	c.mu.Lock()
	if len(keys) == 0 {
		keys = c.Mine
	}
	var ending []string
	for _, k := range keys {
		if c.held[k] {
			delete(c.held, k)
			ending = append(ending, k)
		}
	}
	c.mu.Unlock()
	if len(ending) == 0 {
		return
	}
	// The store first: a waiter woken here must not find this process's claim.
	if c.f.claims != nil {
		ctx, cancel := context.WithTimeout(context.Background(), releaseTimeout)
		if err := c.f.claims.ReleaseClaims(ctx, c.f.owner, ending); err != nil {
			c.f.log.Warn("identity claims not released; they expire on their own", "keys", len(ending), "err", err)
		}
		cancel()
	}
	c.f.end(ending)
}

// end removes keys from the table and wakes their waiters.
func (f *flights) end(keys []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, k := range keys {
		if ch, ok := f.keys[k]; ok {
			close(ch)
			delete(f.keys, k)
		}
	}
}

// Wait blocks until none of keys is in flight in this process nor claimed by another
// one, or ctx ends; it is meant for a Claim's Others (a caller waiting on its own
// Mine waits until ctx ends). Callers then read the cache again; a key still without
// an answer (its buyer failed) is theirs to Claim. Cancelling ctx ends this Wait
// only. Another process's claim is polled, from 50 ms doubling to 2 s.
func (l *Lusha) Wait(ctx context.Context, keys []string) error {
	return l.flights.wait(ctx, uniq(keys))
}

func (f *flights) wait(ctx context.Context, keys []string) error {
	for n := 0; ; {
		if ch := f.busy(keys); ch != nil {
			select {
			case <-ch:
				continue
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		held, err := f.heldElsewhere(ctx, keys)
		if err != nil || !held {
			return err
		}
		if f.busy(keys) != nil {
			continue // taken here meanwhile: wait for that flight, not a poll
		}
		if err := react.Sleep(ctx, min(pollFirst<<min(n, 10), pollMax)); err != nil {
			return err
		}
		n++
	}
}

// busy returns the end of some flight of keys in this process, or nil.
func (f *flights) busy(keys []string) <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, k := range keys {
		if ch, ok := f.keys[k]; ok {
			return ch
		}
	}
	return nil
}

// heldElsewhere asks the store whether another live process holds a claim on some
// key. A claim whose owner is a dead process of this host (a crash) is given back at
// once rather than waited out for its whole TTL, as a dead holder's lease is.
func (f *flights) heldElsewhere(ctx context.Context, keys []string) (bool, error) {
	if f.claims == nil || len(keys) == 0 {
		return false, nil
	}
	holders, err := f.claims.ClaimHolders(ctx, keys)
	if err != nil {
		return false, err
	}
	dead := map[string][]string{}
	held := false
	for key, owner := range holders {
		switch {
		case owner == f.owner:
		case f.alive != nil && !f.alive(owner):
			dead[owner] = append(dead[owner], key)
		default:
			held = true
		}
	}
	for owner, ks := range dead {
		f.log.Warn("giving back the identity claims of a process that died", "owner", owner, "claims", len(ks))
		if err := f.claims.ReleaseClaims(ctx, owner, ks); err != nil {
			return false, err
		}
	}
	return held, nil
}

// callBound is the longest one Call may take: every retried class's attempts, each
// with its timeout and the longest wait before it. A claim's flight gets as long.
func callBound(s LushaSettings) time.Duration {
	n := 0
	for _, r := range react.Table {
		switch {
		case !r.Retry:
		case s.Retry.Attempts > 0:
			n += s.Retry.Attempts
		default:
			n += r.Attempts
		}
	}
	return time.Duration(max(n, 1)) * (s.Timeout + s.Retry.Max)
}

// uniq drops repeated keys, keeping the first of each.
func uniq(keys []string) []string {
	seen := make(map[string]bool, len(keys))
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}
