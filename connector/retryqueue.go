package connector

import (
	"context"
	"slices"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/state"
)

// MaxAttempts is how many times a parked record is retried on its own before it waits
// for `leadsync retry` (for example after a mapping fix).
const MaxAttempts = 5

// retryDue takes the parked records whose retry time has come, reads their current
// version by id and runs them through the stages again. Their cursor was passed long
// ago, so no cursor moves here. Adapters without read-by-id leave them to a change.
func (rn *run) retryDue(ctx context.Context) error {
	getter, ok := rn.p.CRM.(crm.Getter)
	if !ok || rn.opts.DryRun || rn.opts.Remap {
		return nil
	}
	due, err := rn.Store.Due(ctx, rn.p.Name, rn.now(), 1000)
	if err != nil {
		return err
	}
	ids := make([]string, 0, len(due))
	for _, r := range due {
		ids = append(ids, r.CRMID)
	}
	for chunk := range slices.Chunk(ids, 100) {
		recs, err := getter.Get(ctx, rn.p.Object, chunk, rn.readFields())
		rn.Metrics.CallFinished(rn.p.CRMName, string(crm.ClassOf(err)))
		if err != nil {
			return err
		}
		if err := rn.dropVanished(ctx, chunk, recs); err != nil {
			return err
		}
		if _, err := rn.handle(ctx, crm.Page{Records: recs, Total: -1}, true); err != nil {
			return err
		}
	}
	return nil
}

// dropVanished ends the retries of records the CRM no longer has (deleted, merged
// away): they are done, not parked for ever.
func (rn *run) dropVanished(ctx context.Context, asked []string, got []crm.Record) error {
	have := make(map[string]bool, len(got))
	for _, r := range got {
		have[r.ID] = true
	}
	var gone []state.RecordState
	for _, id := range asked {
		if !have[id] {
			gone = append(gone, state.RecordState{Pipeline: rn.p.Name, CRMID: id, Status: state.StatusDone,
				Reason: "the record no longer exists in the CRM", UpdatedAt: rn.now()})
		}
	}
	if len(gone) == 0 {
		return nil
	}
	return rn.Store.CommitPage(ctx, state.PageCommit{Pipeline: rn.p.Name, Records: gone})
}
