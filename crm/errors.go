package crm

import (
	"time"

	"github.com/leadsync/leadsync/crm/upstream"
)

// The error classes live in crm/upstream, which the Lusha client shares without
// depending on the CRM domain; these names keep the connector's spelling.

type (
	Class      = upstream.Class
	Error      = upstream.Error
	Classified = upstream.Classified
)

const (
	ClassNone           = upstream.ClassNone
	ClassRateLimited    = upstream.ClassRateLimited
	ClassQuotaExhausted = upstream.ClassQuotaExhausted
	ClassUnavailable    = upstream.ClassUnavailable
	ClassAuth           = upstream.ClassAuth
	ClassCredits        = upstream.ClassCredits
	ClassNoMatch        = upstream.ClassNoMatch
	ClassRestricted     = upstream.ClassRestricted
	ClassInvalid        = upstream.ClassInvalid
	ClassConflict       = upstream.ClassConflict
	ClassCanceled       = upstream.ClassCanceled
)

// Classes lists every class, for metric labels and validation.
var Classes = upstream.Classes

// ClassOf is upstream.ClassOf.
func ClassOf(err error) Class { return upstream.ClassOf(err) }

// RetryAfter is upstream.RetryAfter.
func RetryAfter(err error) time.Duration { return upstream.RetryAfter(err) }

// OutcomeUnknown is upstream.OutcomeUnknown.
func OutcomeUnknown(err error) bool { return upstream.OutcomeUnknown(err) }
