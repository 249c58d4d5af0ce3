// Package react is the one place that says how leadsync reacts to each error class
// (DESIGN §4): in-call retries, the circuit breaker, the record's fate, and the run's.
//
// Clients classify once at the HTTP boundary; every reaction is read from Table.
package react

import (
	"time"

	"github.com/leadsync/leadsync/crm"
)

// Breaker is what one outcome means to a circuit breaker.
type Breaker int

const (
	BreakerSuccess  Breaker = iota // the service answered: it is up
	BreakerFailure                 // counts toward opening
	BreakerExcluded                // says nothing about the service's health
)

// Record is what happens to the records a failed call was for.
type Record int

const (
	// Defer leaves them for a later run; the cursor stays before them.
	Defer Record = iota
	// Park puts them in the retry queue with the reason; the cursor may pass them.
	Park
	// Done settles them: the answer is a verdict (no match, restricted).
	Done
	// Split makes a whole-batch refusal again in halves to find the one item (Lusha
	// refuses a whole call for one malformed or restricted person, naming nobody).
	Split
)

// Run is what a failure means to the run that met it.
type Run int

const (
	Continue      Run = iota // the other records go on
	StopAfterPage            // finish and record the page in hand, then end
	StopPipeline             // end, and keep the pipeline stopped until a reload
)

// Run statuses (DESIGN §6).
const (
	StatusOK                  = "ok"
	StatusPartial             = "partial"
	StatusFailed              = "failed"
	StatusCreditsExhausted    = "credits_exhausted"
	StatusQuotaExhausted      = "quota_exhausted"
	StatusUpstreamUnavailable = "upstream_unavailable"
)

// Reaction is one row of the table.
type Reaction struct {
	// Retry says whether the call is made again within the run: rate limits wait as
	// the server says, outages back off with jitter.
	Retry bool
	// Attempts bounds the calls of a retried class (with Retry).
	Attempts int
	Breaker  Breaker
	Record   Record
	Run      Run
	// Status is the run's status when this class ended it.
	Status string
}

// Table maps every class to its reaction. A test keeps a row for each crm.Classes.
var Table = map[crm.Class]Reaction{
	crm.ClassRateLimited: {Retry: true, Attempts: 10, Breaker: BreakerExcluded, Record: Defer,
		Run: StopAfterPage, Status: StatusUpstreamUnavailable},
	crm.ClassQuotaExhausted: {Breaker: BreakerExcluded, Record: Defer, Run: StopAfterPage,
		Status: StatusQuotaExhausted},
	crm.ClassUnavailable: {Retry: true, Attempts: 5, Breaker: BreakerFailure, Record: Defer,
		Run: StopAfterPage, Status: StatusUpstreamUnavailable},
	crm.ClassAuth: {Breaker: BreakerExcluded, Record: Defer, Run: StopPipeline, Status: StatusFailed},
	crm.ClassCredits: {Breaker: BreakerExcluded, Record: Defer, Run: StopAfterPage,
		Status: StatusCreditsExhausted},
	crm.ClassNoMatch:    {Breaker: BreakerSuccess, Record: Done, Run: Continue, Status: StatusOK},
	crm.ClassRestricted: {Breaker: BreakerSuccess, Record: Split, Run: Continue, Status: StatusOK},
	crm.ClassInvalid:    {Breaker: BreakerSuccess, Record: Split, Run: Continue, Status: StatusPartial},
	crm.ClassConflict:   {Breaker: BreakerSuccess, Record: Park, Run: Continue, Status: StatusPartial},
	crm.ClassCanceled: {Breaker: BreakerExcluded, Record: Defer, Run: StopAfterPage,
		Status: StatusPartial},
}

// For returns the reaction to class; an unknown class is treated as an outage, the
// safe reaction (retry later, lose nothing).
func For(class crm.Class) Reaction {
	if r, ok := Table[class]; ok {
		return r
	}
	return Table[crm.ClassUnavailable]
}

// Of returns the reaction to err's class.
func Of(err error) Reaction { return For(crm.ClassOf(err)) }

// RunStatus is the status of a run that ended with stop (nil: read to its end) after
// failing failed records.
func RunStatus(stop error, failed int) string {
	if stop == nil {
		if failed > 0 {
			return StatusPartial
		}
		return StatusOK
	}
	return Of(stop).Status
}

// ParkBackoff spaces the retries of a parked record by class: a conflict (the record
// changed under the write) is re-read and re-planned at once, a transient refusal
// soon (1 min doubling, at most an hour), anything else 5 min doubling, at most a day.
func ParkBackoff(class crm.Class, attempts int) time.Duration {
	n := min(max(attempts-1, 0), 10)
	switch class {
	case crm.ClassConflict:
		return 0
	case crm.ClassRateLimited, crm.ClassUnavailable, crm.ClassQuotaExhausted:
		return min(time.Minute<<n, time.Hour)
	}
	return min(5*time.Minute<<n, 24*time.Hour)
}

// MaxParkAttempts is how many times a parked record is retried on its own before it
// waits for `leadsync retry` (after a mapping fix, say).
const MaxParkAttempts = 5
