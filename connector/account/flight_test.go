package account

import (
	"context"
	"errors"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// lushaOf is the Lusha account of a fresh set, leased for the whole test.
func lushaOf(t *testing.T, o Options) *Lusha {
	t.Helper()
	return lushaWith(t, o, settings(&fakeCRM{}))
}

func lushaWith(t *testing.T, o Options, s Settings) *Lusha {
	t.Helper()
	a, _ := newAccounts(t, o)
	mustApply(t, a, s)
	l := use(t, a)
	t.Cleanup(l.Release)
	return l.Lusha
}

func claim(t *testing.T, l *Lusha, keys ...string) *Claim {
	t.Helper()
	c, err := l.Claim(t.Context(), keys)
	if err != nil {
		t.Fatalf("Claim(%v): %v", keys, err)
	}
	return c
}

func sameKeys(a, b []string) bool {
	return slices.Equal(slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b)))
}

func TestTwoClaimsOfOverlappingKeysGetDisjointMine(t *testing.T) {
	lu := lushaOf(t, Options{Claims: newFakeClaims()})
	sets := [][]string{{"a", "b", "c"}, {"b", "c", "d"}}
	for range 200 {
		claims := make([]*Claim, len(sets))
		var wg sync.WaitGroup
		for i, keys := range sets {
			wg.Go(func() {
				c, err := lu.Claim(t.Context(), keys)
				if err != nil {
					t.Errorf("Claim: %v", err)
					return
				}
				claims[i] = c
			})
		}
		wg.Wait()
		if t.Failed() {
			return
		}
		for i, c := range claims {
			if !sameKeys(append(slices.Clone(c.Mine), c.Others...), sets[i]) {
				t.Fatalf("claim %d of %v: mine %v, others %v", i, sets[i], c.Mine, c.Others)
			}
		}
		for _, k := range claims[0].Mine {
			if slices.Contains(claims[1].Mine, k) {
				t.Fatalf("both own %s: %v and %v", k, claims[0].Mine, claims[1].Mine)
			}
		}
		if !slices.Contains(claims[0].Mine, "a") || !slices.Contains(claims[1].Mine, "d") {
			t.Fatalf("an uncontended key was not claimed: %v, %v", claims[0].Mine, claims[1].Mine)
		}
		claims[0].Release()
		claims[1].Release()
	}
}

// Many buyers over few keys, as pipelines over the same people: a key is never
// bought by two at once, and every waiter eventually gets its turn.
func TestOneBuyerPerKeyAtATime(t *testing.T) {
	claims := newFakeClaims()
	procs := []*Lusha{lushaOf(t, Options{Claims: claims, Owner: "p1"}), lushaOf(t, Options{Claims: claims, Owner: "p2"})}
	keys := []string{"k1", "k2", "k3", "k4", "k5"}
	var mu sync.Mutex
	buying := map[string]bool{}
	bought := 0
	var wg sync.WaitGroup
	for g := range 8 {
		lu := procs[g%2]
		wg.Go(func() {
			for range 30 {
				want := slices.DeleteFunc(slices.Clone(keys), func(string) bool { return rand.IntN(2) == 0 })
				if err := buyAll(t.Context(), lu, want, func(k string) {
					mu.Lock()
					if buying[k] {
						t.Errorf("%s bought twice at once", k)
					}
					buying[k] = true
					bought++
					mu.Unlock()
					runtime.Gosched()
					mu.Lock()
					buying[k] = false
					mu.Unlock()
				}); err != nil {
					t.Errorf("buy: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	if bought == 0 {
		t.Fatal("nothing bought")
	}
}

// buyAll is the caller's loop: claim, buy what is mine, wait for the others and
// claim again (here no answer is ever persisted, so every key is bought once more).
func buyAll(ctx context.Context, lu *Lusha, keys []string, buy func(string)) error {
	for len(keys) > 0 {
		c, err := lu.Claim(ctx, keys)
		if err != nil {
			return err
		}
		for _, k := range c.Mine {
			buy(k)
		}
		c.Release()
		if err := lu.Wait(ctx, c.Others); err != nil {
			return err
		}
		keys = c.Others
	}
	return nil
}

func TestWaitReturnsAfterReleaseAndTheWaiterMayClaim(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		lu := lushaOf(t, Options{Claims: newFakeClaims()})
		owner := claim(t, lu, "k")
		other := claim(t, lu, "k")
		if !sameKeys(owner.Mine, []string{"k"}) || !sameKeys(other.Others, []string{"k"}) {
			t.Fatalf("owner %+v, other %+v", owner, other)
		}
		done := make(chan error, 1)
		go func() { done <- lu.Wait(t.Context(), other.Others) }()
		synctest.Wait()
		select {
		case err := <-done:
			t.Fatalf("Wait returned %v while k was in flight", err)
		default:
		}
		owner.Release() // the owner failed: no answer was persisted
		if err := <-done; err != nil {
			t.Fatalf("Wait: %v", err)
		}
		again := claim(t, lu, "k")
		if !sameKeys(again.Mine, []string{"k"}) {
			t.Fatalf("the waiter could not claim a key released without an answer: %+v", again)
		}
		again.Release()
	})
}

func TestAnotherProcessClaimKeepsAKeyOutOfMine(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		claims := newFakeClaims()
		p1 := lushaOf(t, Options{Claims: claims, Owner: "p1"})
		p2 := lushaOf(t, Options{Claims: claims, Owner: "p2"})
		c1 := claim(t, p1, "k", "x")
		c2 := claim(t, p2, "k", "y")
		if !sameKeys(c1.Mine, []string{"k", "x"}) || !sameKeys(c2.Mine, []string{"y"}) || !sameKeys(c2.Others, []string{"k"}) {
			t.Fatalf("p1 %v/%v, p2 %v/%v", c1.Mine, c1.Others, c2.Mine, c2.Others)
		}
		if got := claims.owner("k"); got != "p1" {
			t.Fatalf("k is claimed by %q in the store", got)
		}
		c2.Release()

		done := make(chan error, 1)
		go func() { done <- p2.Wait(t.Context(), []string{"k"}) }()
		time.Sleep(10 * time.Second)
		synctest.Wait()
		select {
		case err := <-done:
			t.Fatalf("Wait returned %v while p1 holds k", err)
		default:
		}
		if got := claims.owner("k"); got != "p1" {
			t.Fatalf("polling took k from p1: owner %q", got)
		}
		c1.Release()
		start := time.Now()
		if err := <-done; err != nil {
			t.Fatalf("Wait: %v", err)
		}
		if waited := time.Since(start); waited > pollMax {
			t.Errorf("Wait noticed the release after %v, more than one poll", waited)
		}
		c := claim(t, p2, "k")
		if !sameKeys(c.Mine, []string{"k"}) {
			t.Fatalf("p2 could not claim k after p1 released it: %+v", c)
		}
		c.Release()
	})
}

// A process that dies holding a claim blocks others only until the claim expires,
// and never before its flight could have ended.
func TestADeadProcessClaimExpires(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		claims := newFakeClaims()
		p1 := lushaOf(t, Options{Claims: claims, Owner: "p1"})
		p2 := lushaOf(t, Options{Claims: claims, Owner: "p2"})
		dead := claim(t, p1, "k") // never released
		flight, cancel := dead.Context(t.Context())
		defer cancel()
		deadline, _ := flight.Deadline()
		start := time.Now()
		if err := p2.Wait(t.Context(), []string{"k"}); err != nil {
			t.Fatalf("Wait: %v", err)
		}
		if time.Now().Before(deadline.Add(persistMargin)) {
			t.Fatalf("k was free after %v, before the dead flight's deadline plus the margin (%v)",
				time.Since(start), deadline.Sub(start)+persistMargin)
		}
		if c := claim(t, p2, "k"); !sameKeys(c.Mine, []string{"k"}) {
			t.Fatalf("p2 could not claim an expired key: %+v", c)
		} else {
			c.Release()
		}
	})
}

// A claim whose owner is known to be dead (a crashed process of this host) is given
// back at once: the pipeline that takes over does not wait out the claim's TTL.
func TestADeadLocalProcessClaimIsGivenBackAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		claims := newFakeClaims()
		p1 := lushaOf(t, Options{Claims: claims, Owner: "p1"})
		alive := func(owner string) bool { return owner != "p1" }
		p2 := lushaOf(t, Options{Claims: claims, Owner: "p2", Alive: alive})
		claim(t, p1, "k") // p1 dies holding it
		start := time.Now()
		if err := p2.Wait(t.Context(), []string{"k"}); err != nil {
			t.Fatalf("Wait: %v", err)
		}
		if waited := time.Since(start); waited > time.Second {
			t.Errorf("waited %v on a dead process's claim", waited)
		}
		if c := claim(t, p2, "k"); !sameKeys(c.Mine, []string{"k"}) {
			t.Fatalf("p2 could not claim the dead process's key: %+v", c)
		} else {
			c.Release()
		}
	})
}

func TestCancellingAWaiterLeavesTheOthersWaiting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		lu := lushaOf(t, Options{Claims: newFakeClaims()})
		owner := claim(t, lu, "k")
		ctx1, cancel1 := context.WithCancel(t.Context())
		w1, w2 := make(chan error, 1), make(chan error, 1)
		go func() { w1 <- lu.Wait(ctx1, []string{"k"}) }()
		go func() { w2 <- lu.Wait(t.Context(), []string{"k"}) }()
		synctest.Wait()
		cancel1()
		if err := <-w1; !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled Wait: %v", err)
		}
		synctest.Wait()
		select {
		case err := <-w2:
			t.Fatalf("the other Wait returned %v", err)
		default:
		}
		if c := claim(t, lu, "k"); len(c.Mine) != 0 {
			t.Fatalf("a cancelled waiter ended the flight: %+v", c)
		}
		owner.Release()
		if err := <-w2; err != nil {
			t.Fatalf("Wait: %v", err)
		}
	})
}

func TestAStoreFailureClaimsNothing(t *testing.T) {
	claims := newFakeClaims()
	lu := lushaOf(t, Options{Claims: claims})
	claims.failed = errors.New("database is locked")
	if _, err := lu.Claim(t.Context(), []string{"k"}); err == nil {
		t.Fatal("Claim succeeded on a store failure")
	}
	c := claim(t, lu, "k")
	if !sameKeys(c.Mine, []string{"k"}) {
		t.Fatalf("a failed claim left k in flight: %+v", c)
	}
	c.Release()
}

func TestReleaseIsPerKeyAndIdempotent(t *testing.T) {
	claims := newFakeClaims()
	lu := lushaOf(t, Options{Claims: claims, Owner: "me"})
	c := claim(t, lu, "a", "b")
	c.Release("a", "not-mine")
	c.Release("a")
	if claims.owner("a") != "" || claims.owner("b") != "me" {
		t.Fatalf("after releasing a: store owners a=%q b=%q", claims.owner("a"), claims.owner("b"))
	}
	if again := claim(t, lu, "a", "b"); !sameKeys(again.Mine, []string{"a"}) {
		t.Fatalf("claim after partial release: %+v", again)
	} else {
		again.Release()
	}
	c.Release()
	if claims.owner("b") != "" {
		t.Fatal("Release() kept b")
	}
}

func TestAClaimsContextOutlivesTheCallerNotTheStoreClaim(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		claims := newFakeClaims()
		s := settings(&fakeCRM{})
		s.Lusha.Retry.Attempts = 0 // the table's: 10 rate-limited, 5 unavailable
		lu := lushaWith(t, Options{Claims: claims, Owner: "me"}, s)
		ctx, cancel := context.WithCancel(t.Context())
		c, err := lu.Claim(ctx, []string{"k"})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Release()
		flight, stop := c.Context(ctx)
		defer stop()
		cancel()
		if flight.Err() != nil {
			t.Fatal("the flight ended with its caller")
		}
		deadline, _ := flight.Deadline()
		claims.mu.Lock()
		expires := claims.held["k"].expires
		claims.mu.Unlock()
		if got := expires.Sub(deadline); got != persistMargin {
			t.Errorf("store claim outlives the flight by %v, want %v", got, persistMargin)
		}
		if least := s.Lusha.Timeout * 15; time.Until(deadline) < least {
			t.Errorf("flight of %v is shorter than timeout × attempts (%v)", time.Until(deadline), least)
		}
	})
}
