package observe

import (
	"errors"
	"testing"

	"github.com/sony/gobreaker/v2"
)

// BreakerState is wired straight into gobreaker's OnStateChange, which runs under
// the breaker's mutex; this checks that it neither deadlocks nor misreads
// gobreaker's state names.
func TestBreakerStateFromOnStateChange(t *testing.T) {
	m := NewMetrics()
	cb := gobreaker.NewTwoStepCircuitBreaker[struct{}](gobreaker.Settings{
		Name:          "lusha",
		ReadyToTrip:   func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= 1 },
		OnStateChange: func(name string, _, to gobreaker.State) { m.BreakerState(name, to.String()) },
	})
	done, err := cb.Allow()
	if err != nil {
		t.Fatal(err)
	}
	done(errors.New("503"))
	if cb.State() != gobreaker.StateOpen {
		t.Fatalf("breaker state %v, want open", cb.State())
	}
	checkSeries(t, scrape(t, m), []series{
		{name: "leadsync_breaker_state", labels: l("name", "lusha"), want: float64(gobreaker.StateOpen)},
	})
}
