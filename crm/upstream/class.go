package upstream

import (
	"context"
	"errors"
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
	if errors.Is(err, context.Canceled) {
		return ClassCanceled
	}
	return ClassUnavailable // deadlines, network errors and unknown failures are retried, never dropped
}
