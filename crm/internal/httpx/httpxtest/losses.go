package httpxtest

import (
	"context"
	"net/http"
	"time"

	"github.com/leadsync/leadsync/crm/upstream"
)

// Loss is one way to lose the answer to a request the server applied.
type Loss struct {
	Name string
	// Lose stands in for the answer; cancel cancels the caller's context.
	Lose func(cancel context.CancelFunc) http.HandlerFunc
	// Timeout is the client timeout the loss needs (0: none).
	Timeout time.Duration
	// Class is what the caller must see; every loss leaves the outcome unknown.
	Class upstream.Class
}

// Losses lists the ways an applied write's answer gets lost.
func Losses() []Loss {
	always := func(h http.HandlerFunc) func(context.CancelFunc) http.HandlerFunc {
		return func(context.CancelFunc) http.HandlerFunc { return h }
	}
	return []Loss{
		{Name: "connection dropped", Lose: always(HangUp), Class: upstream.ClassUnavailable},
		{Name: "client timed out", Lose: always(Stall), Timeout: 300 * time.Millisecond, Class: upstream.ClassUnavailable},
		{Name: "cancelled in flight", Lose: func(cancel context.CancelFunc) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) { cancel(); Stall(w, r) }
		}, Class: upstream.ClassCanceled},
		{Name: "gateway answered 502", Lose: always(func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusBadGateway)
		}), Class: upstream.ClassUnavailable},
	}
}
