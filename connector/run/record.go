package run

import (
	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/lusha"
	"github.com/leadsync/leadsync/mapping"
	"github.com/leadsync/leadsync/state"
)

// Record is one CRM record on its way through a run: what the stages learned about it
// and its one Status. Each stage owns the records of the page in its hands.
type Record struct {
	rec    crm.Record
	prev   state.RecordState // as the store had it before this run
	status Status
	class  crm.Class
	reason string
	// bug is an illegal transition a stage tried: the record is kept from the cursor
	// and the run fails loudly.
	bug error

	retrying bool // from the retry queue: already selected, the filter does not apply
	key      string
	item     lusha.ContactSearchItem
	owned    map[string]string
	reveal   []string // data points some target field needs: emails, phones
	company  bool     // some target field reads the company answer
	enrich   bool     // some target field reads a contact field the preview lacks
	needs    []string // target fields that could be written

	cached  *state.Enrichment
	stale   *state.Enrichment // a cached answer a signal's run found too old to use
	contact map[string]any    // the contact answer the mapping reads
	firm    map[string]any    // the company answer
	lushaID string

	decided []mapping.Decision
	patch   map[string]string
	staged  bool // its write-ahead rows are stored: the commit settles or keeps them
	wrote   bool // the CRM took at least part of its patch
	// seen is the record's modification time after leadsync handled it (after its
	// own write, when the CRM said), and digest what its read fields were: together
	// they recognise the echo of leadsync's own write.
	seen   state.RecordState
	digest string
}

func newRecord(rec crm.Record, prev state.RecordState, retrying bool) *Record {
	r := &Record{rec: rec, prev: prev, retrying: retrying}
	r.seen.SeenModifiedAt = rec.ModifiedAt
	return r
}

// ID is the record's CRM id.
func (r *Record) ID() string { return r.rec.ID }

// Status is where the record is.
func (r *Record) Status() Status { return r.status }

// open reports whether the record still needs a stage.
func (r *Record) open() bool { return !r.status.terminal() }

// set moves the record along an edge; an illegal edge is kept as the record's bug
// (the status stays) and fails the run, since it is an engine defect.
func (r *Record) set(next Status, class crm.Class, reason string) {
	if err := r.to(next, class, reason); err != nil && r.bug == nil {
		r.bug = err
	}
}

func keep(recs []*Record, f func(*Record) bool) []*Record {
	var out []*Record
	for _, r := range recs {
		if f(r) {
			out = append(out, r)
		}
	}
	return out
}
