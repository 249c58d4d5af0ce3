package account

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"reflect"
	"slices"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/leadsync/leadsync/connector/observe"
	"github.com/leadsync/leadsync/crm"
)

// Options are the process-wide parts of Accounts, fixed for its life.
type Options struct {
	Ledger Ledger // the store's spend; required once a daily cap is set
	Claims Claims // nil: single flight within this process only
	// Owner names this process in Claims; "": host/pid/start time.
	Owner string
	// Alive says whether a claim's owner may still run; a dead owner's claims are
	// given back at once. Nil: claims are waited out until they expire.
	Alive   func(owner string) bool
	Metrics *observe.Metrics // nil: none
	Logger  *slog.Logger     // nil: none
	// Transport carries Lusha's requests; nil: a clone of http.DefaultTransport per
	// account. Tests use fakes.
	Transport http.RoundTripper
	// Shared makes the limits that every replica on one database shares
	// (pgshare.New); nil: this process keeps its own.
	Shared Shared
}

// Accounts is the set of accounts of one process, built once and changed by Apply on
// every reload (DESIGN §9a): the Lusha account and one per crms.<name>. Safe for
// concurrent use.
type Accounts struct {
	sh      *shared
	ledger  Ledger
	applyMu sync.Mutex // one Apply (or Close) at a time
	mu      sync.Mutex // slots and users
	lusha   slot[*Lusha]
	crms    map[string]*slot[*CRM]
	changed chan struct{} // closed when a retired account loses its last user, or Apply swaps
}

// New returns an empty set; Apply configures it.
func New(o Options) *Accounts {
	log := cmp.Or(o.Logger, slog.New(slog.DiscardHandler))
	if o.Owner == "" {
		host, _ := os.Hostname()
		o.Owner = fmt.Sprintf("%s/%d/%d", host, os.Getpid(), time.Now().UnixNano())
	}
	var book Bookings = &localBookings{}
	if o.Shared != nil {
		book = o.Shared.Bookings("lusha:credits")
	}
	return &Accounts{
		sh: &shared{
			budget:    &budget{ledger: o.Ledger, metrics: o.Metrics, book: book},
			limits:    o.Shared,
			flights:   newFlights(o.Owner, o.Claims, o.Alive, log),
			transport: o.Transport,
			metrics:   o.Metrics,
			log:       log,
		},
		ledger:  o.Ledger,
		crms:    map[string]*slot[*CRM]{},
		changed: make(chan struct{}),
	}
}

// Apply validates s whole, builds what is new, then swaps, so that a bad config
// changes nothing. An account whose identity is unchanged is kept, with its
// settings changed in place (limiter, budget caps, breaker threshold, timeouts,
// retries); a changed identity, or CRM settings an adapter cannot change in place,
// make a new account, handed out once the old one's last user is gone. A CRM account
// the config no longer names is retired after its last use.
func (a *Accounts) Apply(s Settings) error {
	if err := s.validate(); err != nil {
		return err
	}
	if s.Lusha.CreditsPerDay > 0 && a.ledger == nil {
		return errors.New("lusha: a daily credit cap needs the store's ledger")
	}
	a.applyMu.Lock()
	defer a.applyMu.Unlock()
	built, err := a.build(s.CRMs)
	if err != nil {
		return err
	}
	a.mu.Lock()
	drained := a.swapLocked(s, built)
	a.wakeLocked()
	a.mu.Unlock()
	a.closeAll(drained)
	return nil
}

// build makes the CRM accounts that cannot be kept. On error it closes those it made.
func (a *Accounts) build(crms []CRMSettings) (map[string]*CRM, error) {
	built := map[string]*CRM{}
	for _, s := range crms {
		if cur := a.currentCRM(s.Name); cur != nil && cur.identity == s.identity() &&
			reflect.DeepEqual(cur.settings, s.Settings) {
			continue
		}
		c, err := a.buildCRM(s)
		if err != nil {
			for _, b := range built {
				_ = b.close()
			}
			return nil, fmt.Errorf("crm %s: %w", s.Name, err)
		}
		built[s.Name] = c
	}
	return built, nil
}

func (a *Accounts) buildCRM(s CRMSettings) (*CRM, error) {
	build := s.Build
	if s.BuildShared != nil && a.sh.limits != nil {
		build = func() (crm.Adapter, error) {
			return s.BuildShared(func(name string, perSecond rate.Limit, burst int) Bucket {
				return a.sh.limits.Bucket(limitName("crm", s.identity(), name), perSecond, burst)
			})
		}
	}
	ad, err := build()
	if err != nil {
		return nil, err
	}
	return newCRM(s, ad, a.sh), nil
}

func (a *Accounts) currentCRM(name string) *CRM {
	a.mu.Lock()
	defer a.mu.Unlock()
	if s := a.crms[name]; s != nil && s.cur != nil {
		return s.cur.acct
	}
	return nil
}

// swapLocked installs s; it cannot fail. It returns the replaced accounts that have
// no users, to close.
func (a *Accounts) swapLocked(s Settings, built map[string]*CRM) (drained []closer) {
	log := a.sh.log
	if cur := a.lusha.cur; cur != nil && cur.acct.identity == s.Lusha.identity() {
		cur.acct.apply(s.Lusha)
	} else {
		if cur != nil {
			log.Warn("Lusha key or base URL changed: a new account takes over after the old one's last run")
		}
		drained = a.lusha.install(newLusha(s.Lusha, a.sh))
	}
	named := map[string]bool{}
	for _, cs := range s.CRMs {
		named[cs.Name] = true
		sl := a.crms[cs.Name]
		if sl == nil {
			sl = &slot[*CRM]{}
			a.crms[cs.Name] = sl
		}
		c, ok := built[cs.Name]
		if !ok {
			sl.cur.acct.breaker.apply(cs.Breaker)
			continue
		}
		if sl.cur != nil {
			log.Warn("CRM account changed: a new one takes over after the old one's last run", "crm", cs.Name)
		}
		drained = append(drained, sl.install(c)...)
	}
	for _, name := range slices.Sorted(maps.Keys(a.crms)) {
		sl := a.crms[name]
		if !named[name] {
			drained = append(drained, sl.retire()...)
		}
		if sl.cur == nil && len(sl.retired) == 0 {
			delete(a.crms, name)
		}
	}
	return drained
}

// Close retires every account; each is closed after its last use, and Use answers
// ErrNotConfigured until the next Apply.
func (a *Accounts) Close() {
	a.applyMu.Lock()
	defer a.applyMu.Unlock()
	a.mu.Lock()
	drained := a.lusha.retire()
	for _, sl := range a.crms {
		drained = append(drained, sl.retire()...)
	}
	a.wakeLocked()
	a.mu.Unlock()
	a.closeAll(drained)
}

// Breakers reports the state of every current breaker, for the status page:
// "lusha" and "crm <name>".
func (a *Accounts) Breakers() map[string]string {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := map[string]string{}
	if a.lusha.cur != nil {
		out["lusha"] = a.lusha.cur.acct.BreakerState()
	}
	for name, sl := range a.crms {
		if sl.cur != nil {
			out["crm "+name] = sl.cur.acct.BreakerState()
		}
	}
	return out
}
