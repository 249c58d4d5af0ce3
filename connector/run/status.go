package run

import (
	"fmt"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/state"
)

// Status is where one record is on its way through a run (DESIGN §9b). Only
// (*Record).to changes it, and only along the edges of transitions.
type Status uint8

const (
	Read     Status = iota // read from the CRM, nothing decided
	Planned                // has an identity and needs an answer
	Enriched               // has its answer (cached or bought)
	Staged                 // its patch is in the write-ahead ledger, about to be sent
	Written                // the CRM took its patch (all of it, or part with field refusals parked)
	Kept                   // nothing to write, or a dry run
	Skipped                // by rule: filter, no identity, no match, restricted, suppressed
	Parked                 // refused; waits in the retry queue
	Deferred               // not finished (credits, quota, outage, shutdown); stored as pending
	Unknown                // sent, no answer: its write-ahead rows wait for a read-back
	Settled                // its page commit landed
)

var statusNames = [...]string{"read", "planned", "enriched", "staged", "written", "kept", "skipped",
	"parked", "deferred", "unknown", "settled"}

func (s Status) String() string {
	if int(s) < len(statusNames) {
		return statusNames[s]
	}
	return fmt.Sprintf("status(%d)", s)
}

// transitions is the state machine: from → allowed next statuses.
var transitions = map[Status][]Status{
	Read:     {Planned, Skipped, Kept, Deferred},
	Planned:  {Enriched, Skipped, Kept, Parked, Deferred},
	Enriched: {Staged, Kept, Parked, Deferred, Skipped},
	// A chunk refused whole is split and its halves staged again (Staged → Enriched).
	Staged:  {Written, Parked, Unknown, Deferred, Enriched},
	Unknown: {Written, Parked},
	Written: {Settled},
	Kept:    {Settled},
	Skipped: {Settled},
	Parked:  {Settled},
}

// allowed reports whether from → to is an edge of the machine.
func allowed(from, to Status) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// terminal is true once a record needs no further stage in this run.
func (s Status) terminal() bool {
	switch s {
	case Written, Kept, Skipped, Parked, Deferred, Unknown, Settled:
		return true
	}
	return false
}

// stored is the status the store keeps for a record that ended the run in s.
func (s Status) stored() string {
	switch s {
	case Written, Kept:
		return state.StatusDone
	case Skipped:
		return state.StatusSkipped
	case Parked:
		return state.StatusParked
	case Unknown:
		return state.StatusUnknown
	}
	return state.StatusPending
}

// holdsCursor says whether a record in s keeps the cursor from passing its page (I1):
// only done, skipped and parked records let it pass.
func (s Status) holdsCursor() bool {
	return s == Deferred || s == Unknown || !s.terminal()
}

// errTransition is an engine bug: a stage moved a record along an edge that the
// machine does not have.
type errTransition struct {
	id       string
	from, to Status
}

func (e errTransition) Error() string {
	return fmt.Sprintf("leadsync: record %s: illegal transition %s → %s", e.id, e.from, e.to)
}

// to moves the record to next with the class and reason that explain it.
func (r *Record) to(next Status, class crm.Class, reason string) error {
	if !allowed(r.status, next) {
		return errTransition{id: r.rec.ID, from: r.status, to: next}
	}
	r.status, r.class, r.reason = next, class, reason
	return nil
}
