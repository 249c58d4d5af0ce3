package connector

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/mapping"
	"github.com/leadsync/leadsync/state"
)

// work is one page on its way from the enrich stage to the write stage.
type work struct {
	pg        crm.Page
	plans     []*plan
	truncated bool // --limit cut the page: the cursor must not pass it
	reached   bool // --limit reached: read no further
	retrying  bool // records from the retry queue: no cursor
}

// handle runs records through every stage in the calling goroutine: the retry queue
// uses it.
func (rn *run) handle(ctx context.Context, pg crm.Page, retrying bool) (bool, error) {
	w, err := rn.prepare(ctx, pg, retrying)
	if err != nil {
		return false, err
	}
	return rn.finish(ctx, w)
}

// prepare is the enrich stage: plan each record, get its answers (from the cache or
// Lusha, persisted before use), and map them.
func (rn *run) prepare(ctx context.Context, pg crm.Page, retrying bool) (*work, error) {
	plans, err := rn.dedupe(ctx, pg.Records, retrying)
	if err != nil {
		return nil, err
	}
	w := &work{pg: pg, retrying: retrying}
	rn.count(func(c *state.RunCounts) {
		if rn.opts.Limit > 0 {
			left := rn.opts.Limit - c.RecordsRead
			w.truncated, w.reached = left < len(plans), left <= len(plans)
			plans = plans[:min(len(plans), max(left, 0))]
		}
		c.RecordsRead += len(plans)
	})
	w.plans = plans
	if err := rn.planPage(ctx, plans); err != nil {
		return nil, err
	}
	if err := rn.enrich(ctx, plans); err != nil {
		return nil, err
	}
	rn.apply(plans)
	if rn.opts.DryRun {
		rn.wouldEnrich(plans)
	}
	return w, nil
}

// wouldEnrich lists, in a dry run, the records that need Lusha and what that costs,
// and the fields of theirs the CRM would refuse.
func (rn *run) wouldEnrich(plans []*plan) {
	for _, pl := range plans {
		if pl.result.Status != state.StatusPending || pl.contact != nil || pl.result.Class != "" {
			continue
		}
		rn.addChange(Change{RecordID: pl.rec.ID, Action: ActionWouldEnrich, Credits: estimate(pl),
			Reason: "no cached Lusha answer"})
		for _, f := range pl.needs {
			if reason, bad := rn.badFields[f]; bad {
				rn.addChange(Change{RecordID: pl.rec.ID, Field: f, Action: mapping.ActionInvalid, Reason: reason})
			}
		}
	}
}

// finish is the write stage: write the patches, record the outcome and advance the
// cursor when every record of the page is settled (I1). It returns whether reading
// may go on, and the error that ends the run.
func (rn *run) finish(ctx context.Context, w *work) (bool, error) {
	plans := w.plans
	if !rn.opts.DryRun {
		rn.write(ctx, plans)
	}
	ledger := rn.tally(plans)
	if rn.opts.Remap {
		plans = filter(plans, func(pl *plan) bool { return pl.contact != nil })
	}
	if !rn.opts.DryRun {
		if err := rn.commit(ctx, w.pg, plans, ledger, w.truncated || w.retrying); err != nil {
			return false, err
		}
	}
	if rn.Progress != nil {
		rn.Progress(Progress{Pipeline: rn.p.Name, RunCounts: rn.snapshot(), Total: w.pg.Total,
			Elapsed: rn.now().Sub(rn.started)})
	}
	if err := rn.stopErr(); err != nil {
		return false, err
	}
	return !w.reached, nil
}

// apply runs the mapping for every record that has an answer.
func (rn *run) apply(plans []*plan) {
	for _, pl := range open(plans) {
		if pl.contact == nil {
			continue
		}
		rn.count(func(c *state.RunCounts) { c.RecordsEnriched++ })
		res := rn.p.Mapping.Apply(mapping.Input{Current: pl.rec.Fields, Owned: pl.owned,
			Contact: pl.contact, Company: anyOrNil(pl.firm), Now: rn.now(), RunID: rn.id})
		rn.vet(res.Decisions, res.Patch)
		pl.decided = res.Decisions
		rn.planned(pl)
		for _, d := range res.Decisions {
			if rn.actions == nil {
				rn.actions = map[string]map[mapping.Action]int{}
			}
			if rn.actions[d.Field] == nil {
				rn.actions[d.Field] = map[mapping.Action]int{}
			}
			rn.actions[d.Field][d.Action]++
		}
		if len(res.Patch) == 0 {
			rn.settleMapped(pl, nil)
			continue
		}
		pl.patch = res.Patch
		if rn.opts.DryRun {
			rn.settleMapped(pl, nil)
		}
	}
}

// anyOrNil keeps a nil map a nil interface, which the mapping reads as "no answer".
func anyOrNil(m map[string]any) any {
	if m == nil {
		return nil
	}
	return m
}

// settleMapped records a mapped record: done, or parked when some field's value was
// invalid (it is retried after the mapping or the data changes).
func (rn *run) settleMapped(pl *plan, fieldErrs []crm.FieldError) {
	var reasons []string
	for _, d := range pl.decided {
		if d.Action == mapping.ActionInvalid {
			reasons = append(reasons, fmt.Sprintf("%s: %s", d.Field, d.Reason))
		}
	}
	for _, fe := range fieldErrs {
		// The code, not the CRM's message, which may repeat the value.
		reasons = append(reasons, fmt.Sprintf("%s: refused by the CRM (%s)", fe.Field, fe.Code))
	}
	if len(reasons) > 0 {
		pl.settle(state.StatusParked, crm.ClassInvalid, strings.Join(reasons, "; "))
		return
	}
	pl.settle(state.StatusDone, crm.ClassNone, "")
}

// write sends the patches in the CRM's batch size. Failures of single records park
// them; failures of a whole batch leave its records pending and stop the run.
func (rn *run) write(ctx context.Context, plans []*plan) {
	var todo []*plan
	for _, pl := range open(plans) {
		if pl.patch != nil {
			todo = append(todo, pl)
		}
	}
	for chunk := range slices.Chunk(todo, max(1, rn.p.CRM.BatchSize())) {
		// Only the CRM's own refusals hold back writes: answers already bought are
		// written even when Lusha's budget ran out meanwhile.
		if err := rn.crmStopErr(); err != nil {
			rn.halt(chunk, err)
			continue
		}
		if err := rn.stage(ctx, chunk); err != nil {
			rn.halt(chunk, err)
			continue
		}
		patches := make([]crm.Patch, len(chunk))
		byID := make(map[string]*plan, len(chunk))
		for i, pl := range chunk {
			patches[i] = crm.Patch{RecordID: pl.rec.ID, Fields: pl.patch}
			byID[pl.rec.ID] = pl
		}
		results, err := retry(ctx, rn.Retry, func() ([]crm.WriteResult, error) {
			res, err := rn.p.CRM.Write(ctx, rn.p.Object, patches)
			rn.Metrics.CallFinished(rn.p.CRMName, string(crm.ClassOf(err)))
			return res, err
		})
		if err != nil {
			switch class := crm.ClassOf(err); class {
			case crm.ClassInvalid, crm.ClassConflict:
				for _, pl := range chunk {
					pl.settle(state.StatusParked, class, err.Error())
					pl.patch = nil
				}
			default:
				rn.setCRMStop(err)
				rn.halt(chunk, err)
			}
			continue
		}
		for _, res := range results {
			if pl := byID[res.RecordID]; pl != nil {
				delete(byID, res.RecordID)
				rn.written(pl, res)
			}
		}
		for _, pl := range byID {
			pl.settle(state.StatusParked, crm.ClassUnavailable, "the CRM reported no result for this record")
			pl.patch = nil
		}
	}
}

// written applies one record's write result.
func (rn *run) written(pl *plan, res crm.WriteResult) {
	if !res.ModifiedAt.IsZero() {
		pl.result.SeenModifiedAt = res.ModifiedAt
	}
	failed := map[string]bool{}
	for _, fe := range res.FieldErrors {
		failed[fe.Field] = true
	}
	if res.Err != nil && len(res.FieldErrors) == 0 {
		// A record the CRM refused alone waits in the retry queue; its page's cursor
		// may move on, since the queue, not the cursor, brings it back.
		pl.settle(state.StatusParked, crm.ClassOf(res.Err), res.Err.Error())
		pl.patch = nil
		return
	}
	for f := range pl.patch {
		if failed[f] {
			delete(pl.patch, f)
		}
	}
	rn.settleMapped(pl, res.FieldErrors)
}

// tally counts the page's outcomes and builds the ledger rows of what was written.
func (rn *run) tally(plans []*plan) []state.LedgerEntry {
	var ledger []state.LedgerEntry
	var c state.RunCounts
	now := rn.now()
	for _, pl := range plans {
		switch pl.result.Status {
		case state.StatusParked:
			c.RecordsFailed++
		case state.StatusSkipped:
			c.RecordsSkipped++
		case state.StatusDone:
			if len(pl.patch) == 0 {
				c.RecordsSkipped++
			}
		}
		if len(pl.patch) == 0 || pl.result.Status == state.StatusPending {
			continue
		}
		c.RecordsWritten++
		c.FieldsWritten += len(pl.patch)
		ledger = append(ledger, rn.ledgerRows(pl, now, false)...)
	}
	rn.count(func(total *state.RunCounts) {
		total.RecordsFailed += c.RecordsFailed
		total.RecordsSkipped += c.RecordsSkipped
		total.RecordsWritten += c.RecordsWritten
		total.FieldsWritten += c.FieldsWritten
	})
	return ledger
}

// ledgerRows are the ledger rows of a plan's patch: pending before the write is sent,
// final after its answer.
func (rn *run) ledgerRows(pl *plan, at time.Time, pending bool) []state.LedgerEntry {
	var rows []state.LedgerEntry
	for _, d := range pl.decided {
		if v, ok := pl.patch[d.Field]; ok {
			rows = append(rows, state.LedgerEntry{RunID: rn.id, Pipeline: rn.p.Name, CRMObject: rn.p.Object,
				CRMID: pl.rec.ID, Field: d.Field, OldValue: d.Old, NewValue: v, SourcePath: d.Source,
				LushaID: pl.lushaID, WrittenAt: at, Pending: pending})
		}
	}
	return rows
}

// stage records a batch's writes as pending before they are sent (write-ahead), so
// that a crash between the CRM's answer and the page's commit leaves a trace that the
// next run reconciles (I1, I6).
func (rn *run) stage(ctx context.Context, chunk []*plan) error {
	now := rn.now()
	c := state.PageCommit{Pipeline: rn.p.Name}
	for _, pl := range chunk {
		c.Ledger = append(c.Ledger, rn.ledgerRows(pl, now, true)...)
		pl.staged = true
	}
	if err := rn.Store.CommitPage(ctx, c); err != nil {
		return fmt.Errorf("stage writes: %w", err)
	}
	return nil
}

// commit stores the page's outcome and, when every record is settled and the page was
// read whole, the cursor that resumes after it (I1).
func (rn *run) commit(ctx context.Context, pg crm.Page, plans []*plan, ledger []state.LedgerEntry, truncated bool) error {
	now := rn.now()
	c := state.PageCommit{Pipeline: rn.p.Name, Ledger: ledger}
	outcomes := map[[2]string]int{}
	advance := !truncated && !rn.opts.Remap
	for _, pl := range plans {
		if pl.staged {
			c.Settle = append(c.Settle, pl.rec.ID)
		}
		r := pl.result
		r.UpdatedAt = now
		switch r.Status {
		case state.StatusParked:
			r.Attempts++
			r.NextAttempt = now.Add(parkBackoff(crm.Class(r.Class), r.Attempts))
			if r.Attempts >= MaxAttempts {
				r.NextAttempt = time.Time{} // waits for `leadsync retry`
			}
		case state.StatusPending:
			// The cursor stays before it, and the retry queue knows it too: a
			// record is never left waiting on nothing.
			advance = false
			r.NextAttempt = now.Add(time.Minute)
		default:
			r.Attempts, r.NextAttempt = 0, time.Time{}
		}
		c.Records = append(c.Records, r)
		outcomes[[2]string{r.Status, r.Class}]++
		rn.log.Debug("record", "record_id", r.CRMID, "status", r.Status, "class", r.Class, "reason", r.Reason)
	}
	for k, n := range outcomes {
		rn.Metrics.RecordOutcome(rn.p.Name, k[0], k[1], n)
	}
	if !advance {
		rn.heldBack = true // no later page of this run may move the cursor past this one
	}
	if advance && !rn.heldBack {
		next := string(pg.Next)
		c.Cursor = &next
	}
	// The outcome must be stored even when shutdown cancelled ctx mid-page.
	saveCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := rn.Store.CommitPage(saveCtx, c); err != nil {
		return fmt.Errorf("record page: %w", err)
	}
	return nil
}

// parkBackoff spaces the retries of a parked record: 5 min doubling, at most a day; a
// conflict (the record changed under the write) is re-read and re-planned at once, and
// a transient refusal soon.
func parkBackoff(class crm.Class, attempts int) time.Duration {
	switch class {
	case crm.ClassConflict:
		return 0
	case crm.ClassRateLimited, crm.ClassUnavailable:
		return min(time.Minute<<min(attempts-1, 10), time.Hour)
	}
	return min(5*time.Minute<<min(attempts-1, 10), 24*time.Hour)
}
