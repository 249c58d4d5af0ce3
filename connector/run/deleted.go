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

// The deletion pass drops the state of records the CRM deleted: a done record
// otherwise keeps its record state for ever (a parked one is dropped at its retry,
// see dropVanished). Its checkpoint is a cursor row under a derived name
// (deletedCheckpoint): the cursors table already keeps one string per name across
// restarts, on both backends, and is copied by backups, so no migration is needed.
// The row holds the start of the last pass that completed; the next pass reads the
// feed from DeletedOverlap before it.

// DeletedOverlap is how far before the last pass's start the next one reads the feed
// again: the CRM's clock and ours disagree a little, and Salesforce's delete log may
// lag (latestDateCovered). Drops are idempotent, so a deletion read twice costs
// nothing.
const DeletedOverlap = 5 * time.Minute

// DefaultDeletedEvery spaces the deletion passes of one pipeline: HubSpot's feed is a
// walk of the whole recycle bin (100 records a call), too costly for every tick.
const DefaultDeletedEvery = 10 * time.Minute

// deletedDropChunk is the most ids one drop commits.
const deletedDropChunk = 500

// deletedCheckpoint is the cursor row of a pipeline's deletion pass. The unit
// separator cannot come out of a YAML plain or single-quoted scalar, so no pipeline
// name takes it.
func deletedCheckpoint(pipeline string) string { return "\x1fdeleted\x1f" + pipeline }

// deletionFeedOf finds the deletion feed an adapter offers, directly or behind an
// account's breaker (whose CRM type does not implement crm.DeletionFeed itself).
func deletionFeedOf(c CRM) (crm.DeletionFeed, bool) {
	if f, ok := c.(crm.DeletionFeed); ok {
		return f, true
	}
	if a, ok := c.(interface {
		DeletionFeed() (crm.DeletionFeed, bool)
	}); ok {
		return a.DeletionFeed()
	}
	return nil, false
}

// DropDeleted reads the deletions of p's object from its CRM's deletion feed since
// the last pass and drops the record state of those the pipeline holds, under the
// pipeline's lease; records whose write is 'unknown' are kept (state.PageCommit.Drop)
// and ledger rows stay, as provenance, for the history's keep_ledger (pruneDropped).
// It returns the number of record states
// dropped. A pass runs at most once per every (0: DefaultDeletedEvery); a pipeline
// whose CRM has no feed, a pass within every of the last, and a pipeline whose lease
// another holder has (a run) do nothing. A feed that no longer reaches the last pass
// (the daemon was down longer than the CRM's recycle bin keeps deletions) is read
// over its whole window instead, with a warning: deletions older than that are
// missed.
func (r *Runner) DropDeleted(ctx context.Context, p *Pipeline, every time.Duration) (int, error) {
	feed, ok := deletionFeedOf(p.CRM)
	if !ok {
		return 0, nil
	}
	if every <= 0 {
		every = DefaultDeletedEvery
	}
	key := deletedCheckpoint(p.Name)
	now := r.now()
	last, err := r.deletedSince(ctx, key)
	if err != nil {
		return 0, err
	}
	if !last.IsZero() && now.Sub(last) < every {
		return 0, nil
	}
	held, err := r.holdLease(ctx, p.Name, r.Owner)
	if _, busy := errors.AsType[*state.LeaseHeldError](err); busy {
		return 0, nil // a run holds it; the next tick tries again
	}
	if err != nil {
		return 0, err
	}
	defer held.release()
	since := time.Time{}
	if !last.IsZero() {
		since = last.Add(-DeletedOverlap)
	}
	dropped, err := r.readDeleted(ctx, p, feed, since, held)
	if errors.Is(err, crm.ErrDeletionsExpired) {
		r.Logger.Warn("the CRM no longer lists every deletion since the last pass; reading all it keeps, older deletions are missed",
			"pipeline", p.Name, "since", since, "err", err)
		var more int
		more, err = r.readDeleted(ctx, p, feed, time.Time{}, held)
		dropped += more
	}
	r.Metrics.RecordsDropped(p.Name, "deleted", dropped)
	if err != nil {
		return dropped, err
	}
	at := now.Format(time.RFC3339Nano)
	if err := r.Store.CommitPage(ctx, state.PageCommit{Pipeline: key, Cursor: &at}); err != nil {
		return dropped, err
	}
	if dropped > 0 {
		r.Logger.Debug("record states of records deleted in the CRM dropped", "pipeline", p.Name, "count", dropped)
	}
	r.pruneDropped(ctx, p, now)
	return dropped, nil
}

// pruneDropped deletes the ledger rows of the pipeline's dropped records once older
// than the history's keep_ledger (state.PruneDropped): the latest row of each field,
// which Prune keeps for ever for overwrite_if_owned, means nothing once the record is
// gone, and would grow the state with every record the CRM ever deleted. Without a
// history section nothing is pruned. A failure is logged; the next pass tries again.
func (r *Runner) pruneDropped(ctx context.Context, p *Pipeline, now time.Time) {
	pr, ok := r.Store.(state.DroppedPruner)
	if r.History == nil || !ok {
		return
	}
	n, err := pr.PruneDropped(ctx, p.Name, p.Account, p.Object, now.Add(-r.History.Keep.KeepLedger))
	if err != nil {
		r.Logger.Warn("could not prune the ledger rows of dropped records", "pipeline", p.Name, "err", err)
		return
	}
	if n > 0 {
		r.Logger.Debug("pruned the ledger rows of dropped records", "pipeline", p.Name, "rows", n)
	}
}

// deletedSince reads the start of the last deletion pass, zero when none completed.
func (r *Runner) deletedSince(ctx context.Context, key string) (time.Time, error) {
	cur, err := r.Store.Cursor(ctx, key)
	if err != nil || cur == "" {
		return time.Time{}, err
	}
	t, err := time.Parse(time.RFC3339Nano, cur)
	if err != nil {
		return time.Time{}, fmt.Errorf("deletion checkpoint of %q: %w", key, err)
	}
	return t, nil
}

// readDeleted is dropDeletedSince, read again from since after a failure the
// Runner's retry policy retries (a 5xx or a 429 on one of HubSpot's pages): the drops
// already committed are not repeated, as dropHeld only drops states still held.
func (r *Runner) readDeleted(ctx context.Context, p *Pipeline, feed crm.DeletionFeed, since time.Time,
	held *heldLease) (int, error) {
	policy := r.Retry
	policy.Final = func(err error) bool { return errors.Is(err, crm.ErrDeletionsExpired) || errors.Is(err, errLeaseLost) }
	total := 0
	_, err := react.Do(ctx, policy, func() (struct{}, error) {
		n, err := r.dropDeletedSince(ctx, p, feed, since, held)
		total += n
		return struct{}{}, err
	})
	return total, err
}

// dropDeletedSince reads the feed since since and drops, a chunk at a time, the
// record states the pipeline holds of the ids it lists.
func (r *Runner) dropDeletedSince(ctx context.Context, p *Pipeline, feed crm.DeletionFeed, since time.Time,
	held *heldLease) (int, error) {
	dropped := 0
	var ids []string
	flush := func() error {
		n, err := r.dropHeld(ctx, p, ids, held)
		dropped += n
		ids = ids[:0]
		return err
	}
	for d, err := range feed.Deleted(ctx, p.Object, since) {
		if err != nil {
			return dropped, err
		}
		if ids = append(ids, d.ID); len(ids) == deletedDropChunk {
			if err := flush(); err != nil {
				return dropped, err
			}
		}
	}
	if len(ids) == 0 {
		return dropped, nil
	}
	return dropped, flush()
}

// dropHeld drops the record states among ids that the pipeline holds and that are not
// 'unknown', under the lease's fence, and returns how many.
func (r *Runner) dropHeld(ctx context.Context, p *Pipeline, ids []string, held *heldLease) (int, error) {
	if err := held.check(); err != nil {
		return 0, err
	}
	states, err := r.Store.RecordsOf(ctx, p.Name, p.Account, ids)
	if err != nil {
		return 0, err
	}
	var drop []string
	for _, id := range ids {
		if st, ok := states[id]; ok && st.Status != state.StatusUnknown {
			drop = append(drop, id)
		}
	}
	if len(drop) == 0 {
		return 0, nil
	}
	err = r.Store.CommitPage(ctx, state.PageCommit{Pipeline: p.Name, Account: p.Account, Drop: drop, Fence: held.fenceOf()})
	if errors.Is(err, state.ErrLeaseLost) {
		lost := fmt.Errorf("%w: %v", errLeaseLost, err)
		held.lose(lost)
		return 0, lost
	}
	if err != nil {
		return 0, err
	}
	return len(drop), nil
}
