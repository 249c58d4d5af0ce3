package account

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/lusha"
)

const (
	searchPath = "/v3/contacts/search"
	usagePath  = "/v3/account/usage"
)

// lushaOver is a leased Lusha account of s that talks to fl.
func lushaOver(t *testing.T, fl *fakeLusha, s Settings) (*Accounts, *Lusha) {
	t.Helper()
	a, _ := newAccounts(t, Options{Transport: fl})
	mustApply(t, a, s)
	l := use(t, a)
	t.Cleanup(l.Release)
	return a, l.Lusha
}

// answers replies with each status in turn, then 200.
func answers(statuses ...int) func(*http.Request) (int, http.Header, string) {
	return func(*http.Request) (int, http.Header, string) {
		if len(statuses) == 0 {
			return http.StatusOK, http.Header{}, `{"results":[]}`
		}
		s := statuses[0]
		statuses = statuses[1:]
		return s, http.Header{}, `{"message":"try later"}`
	}
}

func count(paths []string, path string) int {
	return len(slices.DeleteFunc(paths, func(p string) bool { return p != path }))
}

func TestCallRetriesAsTheTableSays(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fl := &fakeLusha{}
		s := settings(&fakeCRM{})
		s.Lusha.Retry.Attempts = 0 // the table's: 5 for unavailable
		s.Lusha.Breaker.Failures = 10
		_, lu := lushaOver(t, fl, s)
		fl.answer(answers(503, 503))
		if err := search(t, lu); err != nil {
			t.Fatalf("Call after two outages: %v", err)
		}
		fl.answer(answers(http.StatusPaymentRequired))
		err := search(t, lu)
		if crm.ClassOf(err) != crm.ClassCredits {
			t.Fatalf("402: %v", err)
		}
		if got := count(fl.requests(), searchPath); got != 4 {
			t.Fatalf("%d requests, want 3 then 1 (credits are not retried)", got)
		}
	})
}

func TestOnlyOutagesOpenTheLushaBreaker(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fl := &fakeLusha{}
		_, lu := lushaOver(t, fl, settings(&fakeCRM{}))
		fl.answer(answers(429, 429, 429, 401, 401, 402, 402, 400, 400))
		for range 9 {
			_ = search(t, lu)
		}
		if lu.BreakerState() != "closed" {
			t.Fatalf("rate limits, auth, credits and bad input opened the breaker")
		}
		fl.answer(answers(503, 503, 503))
		_, _ = search(t, lu), search(t, lu)
		if lu.BreakerState() != "open" {
			t.Fatalf("two outages left the breaker %s", lu.BreakerState())
		}
		sent := len(fl.requests())
		err := search(t, lu)
		if crm.ClassOf(err) != crm.ClassUnavailable || len(fl.requests()) != sent {
			t.Fatalf("an open breaker let a call through: %v, %d requests", err, len(fl.requests())-sent)
		}
	})
}

// A half-open breaker is tested with the free usage call, never with credits.
func TestAHalfOpenBreakerIsProbedForFree(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fl := &fakeLusha{}
		_, lu := lushaOver(t, fl, settings(&fakeCRM{}))
		fl.answer(answers(503, 503))
		_, _ = search(t, lu), search(t, lu)
		time.Sleep(time.Minute + time.Second)
		if lu.BreakerState() != "half-open" {
			t.Fatalf("breaker %s after its timeout", lu.BreakerState())
		}
		before := len(fl.requests())
		if err := search(t, lu); err != nil {
			t.Fatalf("Call after recovery: %v", err)
		}
		if got := fl.requests()[before:]; !slices.Equal(got, []string{usagePath, searchPath}) {
			t.Fatalf("requests after the timeout: %v", got)
		}
		if lu.BreakerState() != "closed" {
			t.Fatalf("breaker %s after a good probe", lu.BreakerState())
		}
	})
}

// Each attempt has the configured timeout, and a reload changes it in place.
func TestEachAttemptHasTheTimeoutOfTheSettings(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, lu := lushaOver(t, &fakeLusha{}, settings(&fakeCRM{}))
		hang := func(ctx context.Context, _ *lusha.Client) (int, *lusha.Response, error) {
			<-ctx.Done()
			return 0, nil, ctx.Err()
		}
		for _, timeout := range []time.Duration{time.Second, 3 * time.Second} {
			s := settings(&fakeCRM{})
			s.Lusha.Timeout = timeout
			mustApply(t, a, s)
			start := time.Now()
			_, err := Call(t.Context(), lu, hang)
			if !errors.Is(err, context.DeadlineExceeded) || crm.ClassOf(err) != crm.ClassUnavailable {
				t.Fatalf("a hung call ended with %v", err)
			}
			if took := time.Since(start); took != timeout {
				t.Errorf("a hung call took %v, want the timeout %v", took, timeout)
			}
		}
	})
}

// Lusha's windows slow the limiter; a reload keeps a slowed limit unless the new
// rate is slower still.
func TestTheLimiterFollowsLushasWindowsAndTheSettings(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fl := &fakeLusha{}
		a, lu := lushaOver(t, fl, settings(&fakeCRM{}))
		fl.answer(func(*http.Request) (int, http.Header, string) {
			h := http.Header{}
			h.Set(lusha.HeaderLeftMinute, "120")
			return http.StatusOK, h, `{"results":[]}`
		})
		if err := search(t, lu); err != nil {
			t.Fatal(err)
		}
		if got := lu.limiter.Limit(); got != 2 {
			t.Fatalf("limit %v with 120 requests left this minute, want 2/s", got)
		}
		s := settings(&fakeCRM{})
		s.Lusha.PerSecond = 20
		mustApply(t, a, s)
		if got := lu.limiter.Limit(); got != 2 {
			t.Fatalf("a reload lifted the slowed limit to %v", got)
		}
		s.Lusha.PerSecond = 0.5
		mustApply(t, a, s)
		if got := lu.limiter.Limit(); got != s.Lusha.pace() {
			t.Fatalf("a slower configured rate gave %v", got)
		}
	})
}

func TestCreditsLeftAsksWithinTheUsageAllowance(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fl := &fakeLusha{}
		_, lu := lushaOver(t, fl, settings(&fakeCRM{}))
		for range 8 {
			if got := lu.CreditsLeft(t.Context()); got != 90 {
				t.Fatalf("CreditsLeft = %d, want 90", got)
			}
		}
		if got := count(fl.requests(), usagePath); got != 5 {
			t.Fatalf("%d usage requests at once, want the allowance of 5", got)
		}
		time.Sleep(2 * time.Minute)
		if got := lu.CreditsLeft(t.Context()); got != 90 || count(fl.requests(), usagePath) != 6 {
			t.Fatalf("after two minutes: %d credits, %d requests", got, count(fl.requests(), usagePath))
		}
	})
}

// Usage numbers are `number` in Lusha's spec (reference §5.15, §10.2): an answer that
// writes them as 12.0 or 1e3 is a good probe, not a malformed one.
func TestAProbeReadsUsageNumbersAsNumbers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fl := &fakeLusha{}
		_, lu := lushaOver(t, fl, settings(&fakeCRM{}))
		fl.answerUsage(`{"credits":{"total":1e3,"used":12.0,"remaining":988.0},
			"rateLimits":{"daily":{"limit":5e3,"used":1.2e2,"remaining":4880.0},"hourly":null,"minute":null}}`)
		fl.answer(answers(503, 503))
		_, _ = search(t, lu), search(t, lu)
		time.Sleep(time.Minute + time.Second)
		if err := search(t, lu); err != nil {
			t.Fatalf("Call after recovery, probed with decimal usage numbers: %v", err)
		}
		if lu.BreakerState() != "closed" {
			t.Fatalf("breaker %s after a good probe", lu.BreakerState())
		}
		if got := lu.CreditsLeft(t.Context()); got != 988 {
			t.Errorf("CreditsLeft = %d, want 988", got)
		}
	})
}
