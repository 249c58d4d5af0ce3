package run

import (
	"context"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/state"
)

// retryDue takes the parked and pending records whose retry time has come, reads
// their current version by id and runs them through the stages again. Their batches
// are not pages of the change stream: they move no cursor and never hold it back
// (§9b), so a backlog in the queue does not freeze the stream.
func (rn *run) retryDue(ctx context.Context) (error, error) {
	if rn.opts.DryRun || rn.opts.Remap {
		return nil, nil
	}
	due, err := rn.Store.DueOf(ctx, rn.p.Name, rn.p.Account, rn.now(), 1000)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(due))
	for _, r := range due {
		ids = append(ids, r.CRMID)
	}
	return rn.byID(ctx, ids)
}

// dropVanished ends the retries of records the CRM no longer has, so that they are
// neither parked for ever nor kept in the state: ones it reports deleted (in its
// recycle bin, deleted or merged away) and ones it does not answer at all (purged,
// or no longer read, as a converted lead). Their ledger rows stay, as provenance. It
// returns the records still to retry.
func (rn *run) dropVanished(ctx context.Context, asked []string, got []crm.Record) (live []crm.Record, stop, err error) {
	gone := make(map[string]bool, len(asked))
	for _, id := range asked {
		gone[id] = true
	}
	for _, r := range got {
		if !r.Deleted {
			delete(gone, r.ID)
			live = append(live, r)
		}
	}
	var drop []string
	for _, id := range asked {
		if gone[id] {
			drop = append(drop, id)
		}
	}
	if len(drop) == 0 {
		return live, nil, nil
	}
	rn.log.Debug("records gone from the CRM leave the retry queue", "count", len(drop))
	stop, err = rn.commitFenced(ctx, state.PageCommit{Pipeline: rn.p.Name, Account: rn.p.Account, Drop: drop})
	return live, stop, err
}
