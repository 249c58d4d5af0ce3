package upstream

import (
	"errors"
	"fmt"
	"time"
)

// Error is a classified failure of a call to an external API. Body is an excerpt of
// the answer and never holds a credential.
type Error struct {
	Service    string // "hubspot", "lusha", …
	Op         string // what was attempted, e.g. "search contacts"
	Class      Class
	Status     int    // HTTP status, 0 for transport errors
	Code       string // the API's error code or category
	Message    string
	RetryAfter time.Duration // the server's hint, 0 if none
	// Sent reports whether the request the caller asked for was written to the
	// connection. Failures of the steps before it (pacing, authentication, a breaker)
	// and verdicts on single records inside an answer leave it false. See
	// OutcomeUnknown.
	Sent bool
	Err  error // underlying transport error, if any
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("%s: %s: %s", e.Service, e.Op, e.Class)
	if e.Status != 0 {
		msg += fmt.Sprintf(" (HTTP %d", e.Status)
		if e.Code != "" {
			msg += " " + e.Code
		}
		msg += ")"
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// ErrorClass implements Classified.
func (e *Error) ErrorClass() Class { return e.Class }

// RetryAfter returns the server's wait hint carried by err, or 0.
func RetryAfter(err error) time.Duration {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.RetryAfter
	}
	return 0
}
