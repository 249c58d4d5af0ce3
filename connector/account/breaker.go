package account

import (
	"log/slog"
	"sync/atomic"

	"github.com/sony/gobreaker/v2"

	"github.com/leadsync/leadsync/connector/observe"
	"github.com/leadsync/leadsync/connector/react"
	"github.com/leadsync/leadsync/crm"
)

// breaker is one gobreaker whose threshold a reload changes in place: ReadyToTrip
// reads it through an atomic pointer. gobreaker v2.4.0 has no setters, so a new
// Timeout can only take effect in a new gobreaker (see apply).
type breaker struct {
	name     string // "lusha" or "crm <name>": the status page's and the gauge's label
	settings atomic.Pointer[BreakerSettings]
	cb       atomic.Pointer[gobreaker.TwoStepCircuitBreaker[struct{}]]
	metrics  *observe.Metrics
	log      *slog.Logger
}

// errTrip is the failure fed to a rebuilt breaker to open it as its predecessor was.
var errTrip = &crm.Error{Service: "leadsync", Op: "breaker", Class: crm.ClassUnavailable,
	Message: "opened as before the reload"}

func newBreaker(name string, s BreakerSettings, metrics *observe.Metrics, log *slog.Logger) *breaker {
	b := &breaker{name: name, metrics: metrics, log: log}
	b.settings.Store(&s)
	b.cb.Store(b.build(s))
	metrics.BreakerState(name, gobreaker.StateClosed.String())
	return b
}

// build reads every reaction from the react table: only classes it marks as a
// failure open the breaker, and excluded ones (rate limits, credits, auth,
// cancellation) say nothing of the service's health.
func (b *breaker) build(s BreakerSettings) *gobreaker.TwoStepCircuitBreaker[struct{}] {
	var cb *gobreaker.TwoStepCircuitBreaker[struct{}]
	cb = gobreaker.NewTwoStepCircuitBreaker[struct{}](gobreaker.Settings{
		Name:        b.name,
		MaxRequests: 1,
		Timeout:     s.Timeout,
		ReadyToTrip: func(c gobreaker.Counts) bool {
			return int(c.ConsecutiveFailures) >= b.settings.Load().Failures
		},
		IsExcluded: func(err error) bool {
			return err != nil && react.Of(err).Breaker == react.BreakerExcluded
		},
		IsSuccessful: func(err error) bool {
			return err == nil || react.Of(err).Breaker == react.BreakerSuccess
		},
		OnStateChange: func(_ string, from, to gobreaker.State) {
			// Runs under the breaker's lock: never call back into it from here.
			if b.cb.Load() != cb {
				return // a replaced breaker's late answers, or its successor being opened
			}
			b.metrics.BreakerState(b.name, to.String())
			b.log.Warn("circuit breaker changed state", "breaker", b.name, "from", from.String(), "to", to.String())
		},
	})
	return cb
}

// allow asks for a permit; a refusal is an unavailable error of service's op.
func (b *breaker) allow(service, op string) (func(error), error) {
	done, err := b.cb.Load().Allow()
	if err != nil {
		return nil, &crm.Error{Service: service, Op: op, Class: crm.ClassUnavailable,
			Message: "circuit breaker is open", Err: err}
	}
	return done, nil
}

func (b *breaker) state() gobreaker.State { return b.cb.Load().State() }

// apply changes the settings in place. A new Timeout needs a new gobreaker, which
// starts with empty counts; if the old one was open the new one is opened at once,
// so that a reload during an outage does not let calls through early.
func (b *breaker) apply(s BreakerSettings) {
	old := b.settings.Swap(&s)
	if old.Timeout == s.Timeout {
		return
	}
	wasOpen := b.state() == gobreaker.StateOpen
	cb := b.build(s)
	for i := 0; wasOpen && i < s.Failures && cb.State() == gobreaker.StateClosed; i++ {
		done, err := cb.Allow()
		if err != nil {
			break
		}
		done(errTrip)
	}
	b.cb.Store(cb)
	b.metrics.BreakerState(b.name, cb.State().String())
	b.log.Warn("circuit breaker rebuilt: gobreaker cannot change its timeout in place; counts start afresh",
		"breaker", b.name, "old_timeout", old.Timeout, "timeout", s.Timeout, "state", cb.State().String())
}
