package crm

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"
)

// Class is the closed set of outcome classes of DESIGN §4. Clients classify every
// failure once, at the HTTP boundary; the connector alone decides how to react.
type Class string

const (
	ClassNone           Class = ""
	ClassRateLimited    Class = "rate_limited"
	ClassQuotaExhausted Class = "quota_exhausted"
	ClassUnavailable    Class = "unavailable"
	ClassAuth           Class = "auth"
	ClassCredits        Class = "credits"
	ClassNoMatch        Class = "no_match"
	ClassRestricted     Class = "restricted"
	ClassInvalid        Class = "invalid"
	ClassConflict       Class = "conflict"
	ClassCanceled       Class = "canceled"
)

// Classes lists every class, for metric labels and validation.
var Classes = []Class{ClassRateLimited, ClassQuotaExhausted, ClassUnavailable, ClassAuth,
	ClassCredits, ClassNoMatch, ClassRestricted, ClassInvalid, ClassConflict, ClassCanceled}

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
	Err        error         // underlying transport error, if any
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

// Classified is implemented by errors that carry a class.
type Classified interface {
	error
	ErrorClass() Class
}

// ClassOf returns the class of err: the class it carries, canceled for a context
// cancellation, unavailable for deadlines and network errors, ClassNone for nil.
// An unclassified error is unavailable: the safe reaction is to retry later.
func ClassOf(err error) Class {
	if err == nil {
		return ClassNone
	}
	if c, ok := errors.AsType[Classified](err); ok {
		return c.ErrorClass()
	}
	switch {
	case errors.Is(err, context.Canceled):
		return ClassCanceled
	case errors.Is(err, context.DeadlineExceeded):
		return ClassUnavailable
	}
	if _, ok := errors.AsType[net.Error](err); ok {
		return ClassUnavailable
	}
	return ClassUnavailable // unknown failures are retried, never dropped
}

// RetryAfter returns the server's wait hint carried by err, or 0.
func RetryAfter(err error) time.Duration {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.RetryAfter
	}
	return 0
}
