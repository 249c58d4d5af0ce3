package account

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/lusha"
)

var day = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// failLusha makes every call but the usage check fail with status.
func failLusha(fl *fakeLusha, status int) {
	fl.answer(func(*http.Request) (int, http.Header, string) { return status, http.Header{}, `{"message":"down"}` })
}

// search is a Lusha call that spends nothing against the fake.
func search(t *testing.T, l *Lusha) error {
	t.Helper()
	_, err := Call(t.Context(), l, func(ctx context.Context, c *lusha.Client) (*lusha.ContactsSearchResponse, *lusha.Response, error) {
		return c.SearchContacts(ctx, lusha.ContactsSearchRequest{Contacts: []lusha.ContactSearchItem{{Email: "a@b.test"}}})
	})
	return err
}

func TestApplyKeepsTheAccountAndChangesItsSettingsInPlace(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fl := &fakeLusha{}
		a, _ := newAccounts(t, Options{Transport: fl})
		s := settings(&fakeCRM{})
		mustApply(t, a, s)
		before := use(t, a, "hs")
		defer before.Release()
		lu := before.Lusha
		limiter, cb, bud := lu.limiter, lu.breaker.cb.Load(), lu.budget

		granted, release, err := lu.Reserve(t.Context(), 0, 40, day)
		if err != nil || granted != 40 {
			t.Fatalf("Reserve: %d, %v", granted, err)
		}
		defer release()
		failLusha(fl, http.StatusServiceUnavailable)
		for range 2 {
			_ = search(t, lu)
		}
		if lu.BreakerState() != "open" {
			t.Fatalf("breaker %s after two outages", lu.BreakerState())
		}

		s.Lusha.PerSecond, s.Lusha.CreditsPerDay, s.Lusha.Breaker.Failures = 3, 60, 5
		s.CRMs[0].Breaker.Failures = 7
		mustApply(t, a, s)
		after := use(t, a, "hs")
		defer after.Release()
		if after.Lusha != lu || after.CRM("hs") != before.CRM("hs") {
			t.Fatal("a reload without an identity change made new accounts")
		}
		if lu.limiter != limiter || lu.limiter.Limit() != s.Lusha.pace() {
			t.Errorf("limiter replaced or not changed: same %v, limit %v", lu.limiter == limiter, lu.limiter.Limit())
		}
		if lu.breaker.cb.Load() != cb || lu.BreakerState() != "open" {
			t.Errorf("breaker replaced or reset: same %v, state %s", lu.breaker.cb.Load() == cb, lu.BreakerState())
		}
		if lu.budget != bud {
			t.Error("budget replaced")
		}
		// The reservation made before the reload counts against the new cap: 60 − 40.
		if g, rel, _ := after.Lusha.Reserve(t.Context(), 0, 50, day); g != 20 {
			t.Errorf("after the reload %d credits were granted, want 20", g)
		} else {
			rel()
		}
		if got := lu.breaker.settings.Load().Failures; got != 5 {
			t.Errorf("threshold %d, want 5", got)
		}
	})
}

func TestANewBreakerThresholdIsReadInPlace(t *testing.T) {
	fake := &fakeCRM{}
	a, _ := newAccounts(t, Options{})
	s := settings(fake)
	mustApply(t, a, s)
	l := use(t, a, "hs")
	defer l.Release()
	hs := l.CRM("hs")
	cb := hs.breaker.cb.Load()
	s.CRMs[0].Breaker.Failures = 3
	mustApply(t, a, s)
	fake.fail(errUnavailable)
	for i := range 3 {
		if hs.BreakerState() != "closed" {
			t.Fatalf("open after %d failures with a threshold of 3", i)
		}
		_, _ = hs.Write(t.Context(), "contacts", nil)
	}
	if hs.BreakerState() != "open" || hs.breaker.cb.Load() != cb {
		t.Fatalf("state %s, same breaker %v", hs.BreakerState(), hs.breaker.cb.Load() == cb)
	}
}

// gobreaker cannot change its timeout: the breaker is rebuilt, said in the log, and
// opened again if it was open, so that the outage is not hammered.
func TestANewBreakerTimeoutRebuildsTheBreakerStillOpen(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fl := &fakeLusha{}
		a, log := newAccounts(t, Options{Transport: fl})
		s := settings(&fakeCRM{})
		mustApply(t, a, s)
		l := use(t, a)
		defer l.Release()
		failLusha(fl, http.StatusBadGateway)
		for range 2 {
			_ = search(t, l.Lusha)
		}
		cb := l.Lusha.breaker.cb.Load()
		s.Lusha.Breaker.Timeout = 5 * time.Minute
		mustApply(t, a, s)
		if l.Lusha.breaker.cb.Load() == cb {
			t.Fatal("the breaker was not rebuilt for a new timeout")
		}
		if got := a.Breakers()["lusha"]; got != "open" {
			t.Fatalf("rebuilt breaker is %s, want open", got)
		}
		if !strings.Contains(log.String(), "circuit breaker rebuilt") {
			t.Errorf("the rebuild was not logged:\n%s", log)
		}
		time.Sleep(time.Minute + time.Second) // the old timeout: still open
		if got := l.Lusha.BreakerState(); got != "open" {
			t.Fatalf("after the old timeout the breaker is %s", got)
		}
		time.Sleep(4 * time.Minute)
		if got := l.Lusha.BreakerState(); got != "half-open" {
			t.Fatalf("after the new timeout the breaker is %s", got)
		}
	})
}

// Two runs, one started before a reload and one after, draw on one budget: their
// spend together never passes the day's cap.
func TestRunsAcrossAReloadShareOneBudget(t *testing.T) {
	const cap = 100
	ledger := &capLedger{cap: cap, t: t}
	a, _ := newAccounts(t, Options{Ledger: ledger})
	s := settings(&fakeCRM{})
	s.Lusha.CreditsPerDay, s.Lusha.CreditsPerRun = cap, 0
	mustApply(t, a, s)
	var wg sync.WaitGroup
	spend := func(l *Lusha) {
		for {
			g, release, err := l.Reserve(t.Context(), 0, 7, day)
			if err != nil {
				t.Error(err)
			}
			if g == 0 || err != nil {
				release()
				return
			}
			time.Sleep(time.Millisecond) // the call in flight
			ledger.spend(g)              // persisted, then released
			release()
		}
	}
	before := use(t, a)
	defer before.Release()
	for range 4 {
		wg.Go(func() { spend(before.Lusha) })
	}
	s.Lusha.PerSecond, s.Lusha.CreditsPerRun = 20, 1000
	mustApply(t, a, s)
	after := use(t, a)
	defer after.Release()
	for range 4 {
		wg.Go(func() { spend(after.Lusha) })
	}
	wg.Wait()
	if before.Lusha != after.Lusha {
		t.Fatal("the reload made a second Lusha account")
	}
	if got := ledger.total(); got != cap {
		t.Fatalf("spent %d, want the cap %d", got, cap)
	}
}

// capLedger fails the test if the spend ever passes cap.
type capLedger struct {
	fakeLedger
	cap int
	t   *testing.T
}

func (l *capLedger) spend(n int) {
	l.fakeLedger.spend(n)
	if got := l.total(); got > l.cap {
		l.t.Errorf("spend %d passed the cap %d", got, l.cap)
	}
}

func (l *capLedger) total() int {
	n, _ := l.CreditsSpent(context.Background(), "", time.Time{})
	return n
}

func TestANewLushaKeyWaitsForTheOldAccountsLastUser(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, log := newAccounts(t, Options{})
		s := settings(&fakeCRM{})
		mustApply(t, a, s)
		old := use(t, a, "hs")
		other := use(t, a)
		s.Lusha.APIKey = "key-2"
		mustApply(t, a, s)
		got := make(chan *Lease, 1)
		go func() {
			l, err := a.Use(t.Context(), "hs")
			if err != nil {
				t.Error(err)
			}
			got <- l
		}()
		synctest.Wait()
		select {
		case <-got:
			t.Fatal("the new account was handed out while the old one had users")
		default:
		}
		if !strings.Contains(log.String(), "new account takes over") {
			t.Errorf("the change was not logged:\n%s", log)
		}
		old.Release()
		synctest.Wait()
		select {
		case <-got:
			t.Fatal("the new account was handed out while the old one had a user")
		default:
		}
		other.Release()
		l := <-got
		defer l.Release()
		if l.Lusha == old.Lusha || l.Lusha.identity != s.Lusha.identity() {
			t.Fatal("the new key did not make a new account")
		}
		if l.CRM("hs") != old.CRM("hs") {
			t.Error("an unchanged CRM account was replaced")
		}
		if l.Lusha.budget != old.Lusha.budget || l.Lusha.flights != old.Lusha.flights {
			t.Error("the budget or the flights are not the process's")
		}
	})
}

func TestNewCRMCredentialsMakeANewAccountAfterTheOldOnesLastUse(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		first, second := &fakeCRM{}, &fakeCRM{}
		builds := 0
		adapter := func(f *fakeCRM) func() (crm.Adapter, error) {
			return func() (crm.Adapter, error) { builds++; return f, nil }
		}
		a, _ := newAccounts(t, Options{})
		s := settings(nil)
		s.CRMs[0].Build = adapter(first)
		mustApply(t, a, s)
		old := use(t, a, "hs")
		s.CRMs[0].Identity, s.CRMs[0].Build = "token-ref-2", adapter(second)
		mustApply(t, a, s)

		use(t, a).Release() // Lusha alone is not held back by a CRM's replacement
		got := make(chan *Lease, 1)
		go func() {
			l, err := a.Use(t.Context(), "hs")
			if err != nil {
				t.Error(err)
			}
			got <- l
		}()
		synctest.Wait()
		select {
		case <-got:
			t.Fatal("the new CRM account was handed out while the old one had a user")
		default:
		}
		if first.closed.Load() != 0 {
			t.Fatal("the old adapter was closed under its user")
		}
		old.Release()
		l := <-got
		defer l.Release()
		if l.CRM("hs").Unwrap() != second || first.closed.Load() != 1 {
			t.Fatalf("new adapter %v, old closed %d times", l.CRM("hs").Unwrap() == second, first.closed.Load())
		}
		mustApply(t, a, s)
		if builds != 2 {
			t.Errorf("%d builds for two identities", builds)
		}
	})
}

func TestARemovedCRMIsRetiredAfterItsLastUse(t *testing.T) {
	fake := &fakeCRM{}
	a, _ := newAccounts(t, Options{})
	s := settings(fake)
	mustApply(t, a, s)
	l := use(t, a, "hs")
	s.CRMs = nil
	mustApply(t, a, s)
	if _, err := a.Use(t.Context(), "hs"); !errors.Is(err, ErrNoCRM) {
		t.Fatalf("Use of a removed account: %v", err)
	}
	if _, ok := a.Breakers()["crm hs"]; ok {
		t.Error("a removed account is still on the status page")
	}
	if _, err := l.CRM("hs").Write(t.Context(), "contacts", nil); err != nil || fake.closed.Load() != 0 {
		t.Fatalf("the run in progress lost its account: %v, closed %d", err, fake.closed.Load())
	}
	l.Release()
	l.Release()
	if fake.closed.Load() != 1 {
		t.Fatalf("closed %d times after the last use", fake.closed.Load())
	}
}

func TestApplyChangesNothingUnlessAllIsValid(t *testing.T) {
	a, _ := newAccounts(t, Options{})
	s := settings(&fakeCRM{})
	mustApply(t, a, s)
	l := use(t, a, "hs")
	defer l.Release()
	built := &fakeCRM{}
	ok := func() (crm.Adapter, error) { return built, nil }
	broken := func() (crm.Adapter, error) { return nil, errors.New("private key file missing") }
	withCRM := func(more ...CRMSettings) Settings {
		b := s
		b.Lusha.PerSecond = 99
		b.CRMs = append(slices.Clone(s.CRMs), more...)
		return b
	}
	crmOf := func(name string, build func() (crm.Adapter, error)) CRMSettings {
		return CRMSettings{Name: name, Kind: "salesforce", Identity: name, Breaker: s.CRMs[0].Breaker, Build: build}
	}
	noLedger, _ := newAccounts(t, Options{})
	noLedger.ledger = nil
	for name, bad := range map[string]Settings{
		"a builder fails":    withCRM(crmOf("sf-a", ok), crmOf("sf-b", broken)),
		"a name twice":       withCRM(crmOf("hs", ok)),
		"no rate":            func() Settings { b := withCRM(); b.Lusha.PerSecond = 0; return b }(),
		"no breaker timeout": withCRM(CRMSettings{Name: "x", Kind: "hubspot", Build: ok}),
	} {
		if err := a.Apply(bad); err == nil {
			t.Errorf("%s: Apply accepted it", name)
		}
	}
	if got := l.Lusha.limiter.Limit(); got != s.Lusha.pace() {
		t.Errorf("a refused Apply changed the rate to %v", got)
	}
	if got := slices.Sorted(func(yield func(string) bool) {
		for k := range a.Breakers() {
			yield(k)
		}
	}); !slices.Equal(got, []string{"crm hs", "lusha"}) {
		t.Errorf("accounts after refused Applies: %v", got)
	}
	if built.closed.Load() != 1 {
		t.Errorf("an adapter built for a refused Apply was closed %d times", built.closed.Load())
	}
	if err := New(Options{}).Apply(s); err == nil {
		t.Error("a daily cap without a ledger was accepted")
	}
}

func TestUseNeedsAConfigAndCloseRetiresAll(t *testing.T) {
	a, _ := newAccounts(t, Options{})
	if _, err := a.Use(t.Context()); !errors.Is(err, ErrNotConfigured) {
		t.Fatalf("Use before Apply: %v", err)
	}
	fake := &fakeCRM{}
	mustApply(t, a, settings(fake))
	if _, err := a.Use(t.Context(), "sf"); !errors.Is(err, ErrNoCRM) {
		t.Fatalf("Use of an unknown CRM: %v", err)
	}
	l := use(t, a, "hs")
	a.Close()
	if _, err := a.Use(t.Context()); !errors.Is(err, ErrNotConfigured) {
		t.Fatalf("Use after Close: %v", err)
	}
	if fake.closed.Load() != 0 {
		t.Fatal("Close closed an account in use")
	}
	l.Release()
	if fake.closed.Load() != 1 {
		t.Fatal("the last use after Close did not close the account")
	}
}

func TestBreakersNameEveryAccount(t *testing.T) {
	a, _ := newAccounts(t, Options{})
	s := settings(&fakeCRM{})
	s.CRMs = append(s.CRMs, CRMSettings{Name: "sf", Kind: "salesforce", Identity: "sf",
		Breaker: s.CRMs[0].Breaker, Build: func() (crm.Adapter, error) { return &fakeCRM{}, nil }})
	mustApply(t, a, s)
	want := map[string]string{"lusha": "closed", "crm hs": "closed", "crm sf": "closed"}
	got := a.Breakers()
	if len(got) != len(want) {
		t.Fatalf("Breakers() = %v", got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("Breakers()[%q] = %q, want %q", k, got[k], v)
		}
	}
}
