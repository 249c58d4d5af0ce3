package run

import (
	"context"
	"fmt"
	"slices"

	"github.com/leadsync/leadsync/connector/react"
	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/upstream"
	"github.com/leadsync/leadsync/state"
)

// writer sends one batch's patches in the CRM's batch size. Each chunk is staged in
// the write-ahead ledger under the lease's fence before it is sent, and each record's
// answer moves it on by the reaction table. A chunk whose outcome is unknown (sent, no
// answer) keeps its write-ahead rows until a read-back settles it (I6).
type writer struct {
	rn *run
	// stop is the CRM's first refusal of a whole chunk: the rest of the batch is
	// held back (answers already bought are still written when only Lusha stopped).
	stop error
}

func (w *writer) write(ctx context.Context, recs []*Record) error {
	var todo []*Record
	for _, r := range recs {
		if r.status == Enriched && len(r.patch) > 0 {
			todo = append(todo, r)
		}
	}
	for chunk := range slices.Chunk(todo, max(1, w.rn.p.CRM.BatchSize())) {
		w.chunk(ctx, chunk)
	}
	return w.stop
}

// chunk stages, sends and settles one chunk of at most the CRM's batch size.
func (w *writer) chunk(ctx context.Context, chunk []*Record) {
	rn := w.rn
	if w.stop == nil {
		w.stop = rn.lease.check() // a stalled holder writes nothing from a stale read
	}
	if w.stop != nil {
		deferAll(chunk, w.stop)
		return
	}
	if err := w.stage(ctx, chunk); err != nil {
		w.stop = err
		deferAll(chunk, err)
		return
	}
	patches := make([]crm.Patch, len(chunk))
	for i, r := range chunk {
		patches[i] = crm.Patch{RecordID: r.rec.ID, Fields: r.patch}
	}
	policy := rn.Retry
	policy.Final = upstream.OutcomeUnknown // never resent: a read-back settles it
	results, err := react.Do(ctx, policy, func() ([]crm.WriteResult, error) {
		res, err := rn.p.CRM.Write(ctx, rn.p.Object, patches)
		rn.Metrics.CallFinished(rn.p.Account, string(crm.ClassOf(err)))
		return res, err
	})
	if err != nil {
		w.failed(ctx, chunk, err)
		return
	}
	w.answered(chunk, results)
}

// failed applies the reaction to a chunk the CRM did not answer record by record.
func (w *writer) failed(ctx context.Context, chunk []*Record, err error) {
	if upstream.OutcomeUnknown(err) {
		for _, r := range chunk {
			r.set(Unknown, crm.ClassOf(err), "sent, but the CRM's answer was lost: "+err.Error())
		}
		w.stop = err
		return
	}
	switch react.Of(err).Record {
	case react.Split:
		if len(chunk) > 1 {
			// A whole batch refused for one bad record: the halves find it, so that one
			// record never holds back the others.
			w.unstage(chunk)
			half := len(chunk) / 2
			w.chunk(ctx, chunk[:half])
			w.chunk(ctx, chunk[half:])
			return
		}
		fallthrough
	case react.Park, react.Done:
		for _, r := range chunk {
			r.set(Parked, crm.ClassOf(err), err.Error())
		}
	default:
		w.stop = err
		deferAll(chunk, err)
	}
}

// unstage returns staged records to be staged again: their rows are written anew.
func (w *writer) unstage(chunk []*Record) {
	for _, r := range chunk {
		r.set(Enriched, crm.ClassNone, "") // refused whole: provably nothing written
	}
}

// answered applies each record's write result.
func (w *writer) answered(chunk []*Record, results []crm.WriteResult) {
	byID := make(map[string]*Record, len(chunk))
	for _, r := range chunk {
		byID[r.rec.ID] = r
	}
	for _, res := range results {
		if r := byID[res.RecordID]; r != nil {
			delete(byID, res.RecordID)
			w.rn.written(r, res)
		}
	}
	for _, r := range byID {
		// Answered, but not about this record: whether it was written is unknown.
		r.set(Unknown, crm.ClassUnavailable, "the CRM reported no result for this record")
	}
}

func deferAll(recs []*Record, err error) {
	for _, r := range recs {
		r.set(Deferred, crm.ClassOf(err), err.Error())
	}
}

// stage records a chunk's writes as pending before they are sent (write-ahead), under
// the lease's fence: a holder that lost its lease learns it here, before sending.
func (w *writer) stage(ctx context.Context, chunk []*Record) error {
	rn := w.rn
	now := rn.now()
	c := state.PageCommit{Pipeline: rn.p.Name, Account: rn.p.Account}
	for _, r := range chunk {
		c.Ledger = append(c.Ledger, rn.ledgerRows(r, now, true)...)
	}
	if stop, err := rn.commitFenced(ctx, c); stop != nil || err != nil {
		if err != nil {
			return fmt.Errorf("stage writes: %w", err)
		}
		return stop
	}
	for _, r := range chunk {
		r.set(Staged, crm.ClassNone, "")
		r.staged = true
	}
	return nil
}

// written applies one record's write result: fields the CRM refused are parked with
// their codes, the rest are written.
func (rn *run) written(r *Record, res crm.WriteResult) {
	if !res.ModifiedAt.IsZero() {
		r.seen.SeenModifiedAt = res.ModifiedAt
	}
	if res.Err != nil && len(res.FieldErrors) == 0 {
		// A record the CRM refused alone waits in the retry queue; its page's cursor
		// may move on, since the queue, not the cursor, brings it back.
		r.set(Parked, crm.ClassOf(res.Err), res.Err.Error())
		r.patch = nil
		return
	}
	for _, fe := range res.FieldErrors {
		delete(r.patch, fe.Field)
	}
	r.wrote = len(r.patch) > 0
	r.digest = rn.digest(r.rec.Fields, r.patch)
	if reason := invalidReasons(r.decided, res.FieldErrors); reason != "" {
		r.set(Parked, crm.ClassInvalid, reason)
		return
	}
	r.set(Written, crm.ClassNone, "")
}
