package run

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/leadsync/leadsync/connector/react"
	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/state"
)

// committer is the last stage: it writes a batch, stores its outcome and, for a page
// of the change stream whose records all let it pass, the cursor after it (I1). It
// alone moves the cursor and sums the run; it runs in one goroutine.
type committer struct {
	rn     *run
	cursor crm.Cursor // the cursor the stored one now is (or the run started from)
	// heldBack is set once a stream page could not move the cursor: no later page of
	// this read may move it past that one. Retry batches never touch it.
	heldBack bool
}

func (rn *run) committer(from crm.Cursor) *committer { return &committer{rn: rn, cursor: from} }

// handle writes, records and commits one batch; it returns the reason to end the run.
func (c *committer) handle(ctx context.Context, b *batch) (stop, err error) {
	rn := c.rn
	rn.counts.RecordsRead += b.counts.RecordsRead
	rn.counts.RecordsEnriched += b.counts.RecordsEnriched
	rn.counts.CreditsSpent += b.counts.CreditsSpent
	var crmStop error
	if !rn.opts.DryRun {
		w := &writer{rn: rn}
		crmStop = w.write(ctx, b.recs)
	}
	ledger := c.tally(b.recs)
	recs := b.recs
	if rn.opts.Remap {
		recs = keep(recs, func(r *Record) bool { return r.answered() })
	}
	if !rn.opts.DryRun {
		if err := c.commit(ctx, b, recs, ledger); err != nil {
			return nil, err
		}
	}
	if rn.Progress != nil {
		rn.Progress(Progress{Pipeline: rn.p.Name, RunCounts: rn.counts, Total: b.pg.Total,
			Elapsed: rn.now().Sub(rn.started)})
	}
	return firstErr(b.stop, crmStop, rn.lease.check()), nil
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// tally counts a batch's outcomes and builds the ledger rows of what was written.
func (c *committer) tally(recs []*Record) []state.LedgerEntry {
	var ledger []state.LedgerEntry
	now := c.rn.now()
	for _, r := range recs {
		// A dry run's kept records count what the run would write.
		wrote := r.status == Written || (r.status == Parked && r.wrote) || (r.status == Kept && len(r.patch) > 0)
		switch {
		case r.status == Parked:
			c.rn.counts.RecordsFailed++
		case r.status == Skipped, r.status == Kept && !wrote:
			c.rn.counts.RecordsSkipped++
		}
		if wrote {
			c.rn.counts.RecordsWritten++
			c.rn.counts.FieldsWritten += len(r.patch)
			if !c.rn.opts.DryRun {
				ledger = append(ledger, c.rn.ledgerRows(r, now, false)...)
			}
		}
	}
	return ledger
}

// commit stores a batch's outcome in one fenced transaction: record states, ledger
// rows, the write-ahead rows it settles, and the cursor when the batch is a stream page
// that every record lets pass.
func (c *committer) commit(ctx context.Context, b *batch, recs []*Record, ledger []state.LedgerEntry) error {
	rn := c.rn
	now := rn.now()
	pc := state.PageCommit{Pipeline: rn.p.Name, Account: rn.p.Account, Ledger: ledger}
	outcomes := map[[2]string]int{}
	advance := b.stream && !b.cut && !rn.opts.Remap
	var bugs []error
	for _, r := range recs {
		if r.bug != nil {
			bugs = append(bugs, r.bug)
		}
		if r.staged && r.status != Unknown {
			pc.Settle = append(pc.Settle, r.rec.ID)
		}
		if r.status.holdsCursor() || r.bug != nil {
			advance = false
		}
		st := c.stored(r, now)
		pc.Records = append(pc.Records, st)
		outcomes[[2]string{st.Status, st.Class}]++
		rn.log.Debug("record", "record_id", st.CRMID, "status", r.status.String(), "class", st.Class, "reason", st.Reason)
	}
	for k, n := range outcomes {
		rn.Metrics.RecordOutcome(rn.p.Name, k[0], k[1], n)
	}
	if b.stream && !advance {
		c.heldBack = true
	}
	if advance && !c.heldBack {
		next := string(b.pg.Next)
		pc.Cursor = &next
	}
	// The outcome must be stored even when shutdown cancelled ctx mid-page.
	saveCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if stop, err := rn.commitFenced(saveCtx, pc); stop != nil || err != nil {
		// A stale holder stops (handle reports the lost lease); the new one re-reads.
		if err != nil {
			return fmt.Errorf("record page: %w", err)
		}
		return nil
	}
	if pc.Cursor != nil {
		c.cursor = b.pg.Next
	}
	for _, r := range recs {
		if allowed(r.status, Settled) { // deferred and unknown records stay open in the store
			r.set(Settled, r.class, r.reason)
		}
	}
	return errors.Join(bugs...)
}

// stored is what the store keeps of a record that ended the run as it did.
func (c *committer) stored(r *Record, now time.Time) state.RecordState {
	st := state.RecordState{Pipeline: c.rn.p.Name, Account: c.rn.p.Account, CRMID: r.rec.ID,
		Status: r.status.stored(), Class: string(r.class), Reason: r.reason, Attempts: r.prev.Attempts,
		SeenModifiedAt: r.seen.SeenModifiedAt, SeenDigest: r.digest, IdentityKey: r.key, UpdatedAt: now}
	if r.bug != nil {
		st.Status, st.Class, st.Reason = state.StatusPending, string(crm.ClassUnavailable), "leadsync: "+r.bug.Error()
	}
	switch st.Status {
	case state.StatusParked:
		st.Attempts++
		st.NextAttempt = now.Add(react.ParkBackoff(r.class, st.Attempts))
		if st.Attempts >= react.MaxParkAttempts {
			st.NextAttempt = time.Time{} // waits for `leadsync retry`
		}
	case state.StatusPending, state.StatusUnknown:
		// The cursor stays before it, and the retry queue knows it too: a record is
		// never left waiting on nothing.
		st.NextAttempt = now.Add(time.Minute)
	default:
		st.Attempts, st.NextAttempt = 0, time.Time{}
	}
	return st
}

// ledgerRows are the ledger rows of a record's patch: pending before the write is
// sent, final after its answer.
func (rn *run) ledgerRows(r *Record, at time.Time, pending bool) []state.LedgerEntry {
	var rows []state.LedgerEntry
	for _, d := range r.decided {
		if v, ok := r.patch[d.Field]; ok {
			rows = append(rows, state.LedgerEntry{RunID: rn.id, Pipeline: rn.p.Name, Account: rn.p.Account,
				CRMObject: rn.p.Object, CRMID: r.rec.ID, Field: d.Field, OldValue: d.Old, NewValue: v,
				SourcePath: d.Source, LushaID: r.lushaID, WrittenAt: at, Pending: pending,
				SignalID: rn.signalID()})
		}
	}
	return rows
}
