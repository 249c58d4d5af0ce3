package signals

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/leadsync/leadsync/connector/limit"
	"github.com/leadsync/leadsync/lusha"
	"github.com/leadsync/leadsync/state"
)

// LeaseName is the store's lease the manager holds for its passes, so that one
// replica of a cluster manages the subscriptions.
const LeaseName = "signals:subscriptions"

// WebhooksPerMinute is Lusha's limit on the webhooks API, per account.
const WebhooksPerMinute = 100

// SubscriptionStore is what the Manager needs of the state store.
type SubscriptionStore interface {
	EnrichedBy(ctx context.Context, pipeline string) ([]state.Enriched, error)
	Acquire(ctx context.Context, name, owner string, ttl time.Duration) (state.Lease, error)
	ReleaseLease(ctx context.Context, name, owner string) error
	BreakLease(ctx context.Context, name, owner string) error
}

// SubscriptionClient is what the Manager needs of the Lusha client.
type SubscriptionClient interface {
	ListSubscriptionsPage(ctx context.Context, limit, offset int) (*lusha.SubscriptionList, *lusha.Response, error)
	CreateSubscriptions(ctx context.Context, req lusha.CreateSubscriptionsRequest) (*lusha.CreateSubscriptionsResponse, *lusha.Response, error)
	DeleteSubscriptions(ctx context.Context, ids []string) (*lusha.DeleteSubscriptionsResponse, *lusha.Response, error)
	UpdateSubscription(ctx context.Context, id string, req lusha.UpdateSubscriptionRequest) (*lusha.Subscription, *lusha.Response, error)
}

// SubscriptionMetrics records what a pass left.
type SubscriptionMetrics interface {
	SetSubscriptions(active, disabled, missing, max int)
}

// Limiter paces the webhooks API's calls; *Window is one.
type Limiter interface {
	Wait(ctx context.Context) error
}

// Watch is one pipeline's signals config.
type Watch struct {
	Pipeline string
	// Object is the pipeline's CRM object; CompanyObject is where its CRM keeps
	// companies (the same for a company pipeline). The ledger's rows on Object are
	// people (companies, for a company pipeline), those on CompanyObject companies.
	Object, CompanyObject string
	Contact, Company      []string // signal types to subscribe to
}

// ManagerOptions configure a Manager. Store, Client, URL and Owner are required.
type ManagerOptions struct {
	Store   SubscriptionStore
	Client  SubscriptionClient
	Watches []Watch
	URL     string // the receiver's public URL, which every subscription delivers to
	// Max bounds the account's subscriptions (all of them, leadsync's or not);
	// 0 leaves it to Lusha's limit, whose 403 stops creating all the same.
	Max   int
	Owner string // this process, for the lease
	// Alive tells whether a lease's owner may still run: a dead one's lease (a
	// crash before a restart) is taken at once. Default: every owner is alive.
	Alive func(owner string) bool
	Every time.Duration // between passes; default 10 minutes
	// Limiter paces every call; default a Window of WebhooksPerMinute a minute.
	Limiter Limiter
	// Healthy tells whether the receiver takes deliveries again, before disabled
	// subscriptions are re-enabled; default a URL challenge through URL.
	Healthy func(ctx context.Context) bool
	Metrics SubscriptionMetrics // optional
	Logger  *slog.Logger        // default: discard
	Now     func() time.Time    // default time.Now
}

// Manager keeps Lusha's signal subscriptions to what the pipelines enriched: one
// goroutine of its owner runs it (Run), and a pass converges from whatever Lusha
// lists, so a restart neither duplicates nor orphans a subscription.
type Manager struct {
	o  ManagerOptions
	mu sync.Mutex
	st SubscriptionStatus
}

// SubscriptionStatus is what the last pass found and did.
type SubscriptionStatus struct {
	Managed  bool      // this process holds the lease and manages them
	Checked  time.Time // end of the last pass; zero before the first
	Err      string    // of the last pass, "" when it completed
	Account  int       // the account's subscriptions, leadsync's or not
	Max      int       // 0: no cap of leadsync's
	Full     bool      // the cap or Lusha's limit stopped creating
	Wanted   int       // people and companies to watch
	Active   int       // leadsync's subscriptions delivering
	Disabled int       // leadsync's subscriptions Lusha disabled (blockReason)
	// Missing are wanted but not subscribed: the account is full, or a
	// subscription to another URL watches them already.
	Missing int
	// Blocked lists the first of the disabled ones.
	Blocked []BlockedSubscription
}

// BlockedSubscription is a subscription Lusha disabled after failed deliveries.
type BlockedSubscription struct {
	ID, EntityType, EntityID, Reason string
	Since                            time.Time
}

// maxBlockedShown bounds Status().Blocked: a receiver down blocks them all.
const maxBlockedShown = 20

// NewManager builds a manager.
func NewManager(o ManagerOptions) *Manager {
	if o.Every <= 0 {
		o.Every = 10 * time.Minute
	}
	if o.Limiter == nil {
		o.Limiter = limit.NewWindow(WebhooksPerMinute, time.Minute)
	}
	if o.Healthy == nil {
		o.Healthy = challenge(o.URL)
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Manager{o: o, st: SubscriptionStatus{Max: o.Max}}
}

// Status is a copy of what the last pass found.
func (m *Manager) Status() SubscriptionStatus {
	m.mu.Lock()
	defer m.mu.Unlock()
	st := m.st
	st.Blocked = append([]BlockedSubscription(nil), st.Blocked...)
	return st
}

// Run reconciles at start and then every Every while it holds the lease, until
// ctx ends; it then gives the lease up for another replica.
func (m *Manager) Run(ctx context.Context) {
	t := time.NewTicker(m.o.Every)
	defer t.Stop()
	defer m.release()
	for {
		if err := m.Pass(ctx); err != nil && ctx.Err() == nil {
			m.o.Logger.Error("lusha subscriptions: pass failed; retried at the next", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Pass takes or renews the lease and reconciles once; another replica's lease
// makes it a no-op.
func (m *Manager) Pass(ctx context.Context) error {
	// A pass may outlast Every (a first one paced at 100 calls a minute): the
	// lease covers it and the next.
	ttl := 3*m.o.Every + 10*time.Minute
	_, err := m.o.Store.Acquire(ctx, LeaseName, m.o.Owner, ttl)
	var held *state.LeaseHeldError
	if errors.As(err, &held) && m.o.Alive != nil && !m.o.Alive(held.Owner) {
		if err = m.o.Store.BreakLease(ctx, LeaseName, held.Owner); err == nil {
			_, err = m.o.Store.Acquire(ctx, LeaseName, m.o.Owner, ttl)
		}
	}
	if errors.As(err, &held) {
		m.setStatus(func(st *SubscriptionStatus) { *st = SubscriptionStatus{Max: m.o.Max, Checked: m.o.Now()} })
		return nil
	}
	if err != nil {
		return fmt.Errorf("lusha subscriptions: lease: %w", err)
	}
	st, err := m.reconcile(ctx)
	st.Managed, st.Max, st.Checked = true, m.o.Max, m.o.Now()
	if err != nil {
		st.Err = err.Error()
	} else if m.o.Metrics != nil {
		m.o.Metrics.SetSubscriptions(st.Active, st.Disabled, st.Missing, m.o.Max)
	}
	m.setStatus(func(s *SubscriptionStatus) { *s = st })
	return err
}

func (m *Manager) setStatus(f func(*SubscriptionStatus)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f(&m.st)
}

// release gives the lease up, even as ctx ends.
func (m *Manager) release() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var held *state.LeaseHeldError
	if err := m.o.Store.ReleaseLease(ctx, LeaseName, m.o.Owner); err != nil && !errors.As(err, &held) {
		m.o.Logger.Warn("lusha subscriptions: lease not released; it expires", "err", err)
	}
}

// challenge answers whether rawURL echoes a URL challenge, as Lusha checks a
// receiver: the whole way Lusha delivers through (proxy, TLS, the receiver) is
// up. Waiting for a delivery instead could wait forever: a receiver whose
// subscriptions are all disabled gets none.
func challenge(rawURL string) func(ctx context.Context) bool {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DisableKeepAlives = true // no idle connection outlives a probe
	client := &http.Client{Timeout: 10 * time.Second, Transport: tr}
	return func(ctx context.Context) bool {
		u, err := url.Parse(rawURL)
		if err != nil {
			return false
		}
		want := rand.Text()
		q := u.Query()
		q.Set("challenge", want)
		u.RawQuery = q.Encode()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		if err != nil {
			return false
		}
		resp, err := client.Do(req)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		var got struct{ Challenge string }
		err = json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&got)
		return err == nil && resp.StatusCode == http.StatusOK && got.Challenge == want
	}
}
