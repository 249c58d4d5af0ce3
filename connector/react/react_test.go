package react

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/leadsync/leadsync/crm"
)

func TestEveryClassHasARow(t *testing.T) {
	for _, c := range crm.Classes {
		r, ok := Table[c]
		if !ok {
			t.Errorf("no reaction for class %s", c)
			continue
		}
		if r.Status == "" {
			t.Errorf("class %s: no run status", c)
		}
		if r.Retry != (r.Attempts > 0) {
			t.Errorf("class %s: Retry %v with %d attempts", c, r.Retry, r.Attempts)
		}
	}
	if len(Table) != len(crm.Classes) {
		t.Errorf("table has %d rows for %d classes", len(Table), len(crm.Classes))
	}
}

func TestOnlyOutagesTripTheBreaker(t *testing.T) {
	for c, r := range Table {
		if (r.Breaker == BreakerFailure) != (c == crm.ClassUnavailable) {
			t.Errorf("class %s: breaker %v", c, r.Breaker)
		}
	}
}

func TestRunStatus(t *testing.T) {
	for _, tc := range []struct {
		stop   error
		failed int
		want   string
	}{
		{nil, 0, StatusOK},
		{nil, 2, StatusPartial},
		{&crm.Error{Class: crm.ClassCredits}, 0, StatusCreditsExhausted},
		{&crm.Error{Class: crm.ClassQuotaExhausted}, 0, StatusQuotaExhausted},
		{&crm.Error{Class: crm.ClassRateLimited}, 0, StatusUpstreamUnavailable},
		{&crm.Error{Class: crm.ClassUnavailable}, 0, StatusUpstreamUnavailable},
		{&crm.Error{Class: crm.ClassAuth}, 0, StatusFailed},
		{context.Canceled, 0, StatusPartial},
		{errors.New("store broke"), 0, StatusUpstreamUnavailable},
	} {
		if got := RunStatus(tc.stop, tc.failed); got != tc.want {
			t.Errorf("RunStatus(%v, %d) = %s, want %s", tc.stop, tc.failed, got, tc.want)
		}
	}
}

func TestDoRetriesByTheTable(t *testing.T) {
	noSleep := func(context.Context, time.Duration) error { return nil }
	for _, tc := range []struct {
		class crm.Class
		calls int
	}{
		{crm.ClassRateLimited, 10},
		{crm.ClassUnavailable, 5},
		{crm.ClassInvalid, 1},
		{crm.ClassAuth, 1},
		{crm.ClassCredits, 1},
	} {
		calls := 0
		_, err := Do(t.Context(), Policy{Base: time.Millisecond, Max: time.Millisecond, Sleep: noSleep}, func() (int, error) {
			calls++
			return 0, &crm.Error{Class: tc.class}
		})
		if crm.ClassOf(err) != tc.class || calls != tc.calls {
			t.Errorf("%s: %d calls, err %v; want %d calls", tc.class, calls, err, tc.calls)
		}
	}
}

func TestDoStopsOnAFinalError(t *testing.T) {
	calls := 0
	unknown := &crm.Error{Class: crm.ClassUnavailable, Message: "sent, no answer"}
	_, err := Do(t.Context(), Policy{Max: time.Millisecond, Final: func(err error) bool { return err == unknown }},
		func() (int, error) { calls++; return 0, unknown })
	if err != unknown || calls != 1 {
		t.Fatalf("an unknown outcome was sent %d times (err %v)", calls, err)
	}
}

func TestRateLimitWaitsAsTheServerSays(t *testing.T) {
	p := Policy{Base: time.Second, Max: time.Minute}
	if d, ok := p.Wait(&crm.Error{Class: crm.ClassRateLimited, RetryAfter: 7 * time.Second}, 1); !ok || d != 7*time.Second {
		t.Errorf("wait %v %v, want 7s", d, ok)
	}
	if _, ok := p.Wait(&crm.Error{Class: crm.ClassRateLimited, RetryAfter: 2 * time.Hour}, 1); ok {
		t.Error("a window that reopens in two hours is waited for within the run")
	}
}

func TestParkBackoff(t *testing.T) {
	if ParkBackoff(crm.ClassConflict, 3) != 0 {
		t.Error("a conflict waits")
	}
	if got := ParkBackoff(crm.ClassInvalid, 1); got != 5*time.Minute {
		t.Errorf("first invalid backoff %v", got)
	}
	if got := ParkBackoff(crm.ClassInvalid, 40); got != 24*time.Hour {
		t.Errorf("capped invalid backoff %v", got)
	}
	if got := ParkBackoff(crm.ClassUnavailable, 40); got != time.Hour {
		t.Errorf("capped outage backoff %v", got)
	}
}
