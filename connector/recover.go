package connector

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/state"
)

// recoverWrites settles the writes a crashed run sent and never saw answered: each
// record is read back by id, the ledger keeps the values the CRM now holds (I6), the
// rest are dropped, and the record is marked done so that nothing is lost (I1) even
// though the pipeline filter may no longer hand it out.
func (rn *run) recoverWrites(ctx context.Context) error {
	if rn.opts.DryRun {
		return nil
	}
	pending, err := rn.Store.PendingWrites(ctx, rn.p.Name)
	if err != nil || len(pending) == 0 {
		return err
	}
	byID := map[string][]state.LedgerEntry{}
	for _, e := range pending {
		byID[e.CRMID] = append(byID[e.CRMID], e)
	}
	ids := slices.Sorted(maps.Keys(byID))
	current := map[string]crm.Record{}
	getter, canRead := rn.p.CRM.(crm.Getter)
	if canRead {
		fields := map[string]bool{}
		for _, e := range pending {
			fields[e.Field] = true
		}
		recs, err := getter.Get(ctx, rn.p.Object, ids, slices.Sorted(maps.Keys(fields)))
		if err != nil {
			return fmt.Errorf("read back interrupted writes: %w", err)
		}
		for _, r := range recs {
			current[r.ID] = r
		}
	}
	now := rn.now()
	c := state.PageCommit{Pipeline: rn.p.Name, Settle: ids}
	for _, id := range ids {
		rec, found := current[id]
		kept := 0
		for _, e := range byID[id] {
			// Without read-by-id the write cannot be checked: keep the row, since a
			// value leadsync may have written must not lack one.
			if !canRead || (found && sameValue(rec.Fields[e.Field], e.NewValue)) {
				e.Pending = false
				c.Ledger = append(c.Ledger, e)
				kept++
			}
		}
		rs := state.RecordState{Pipeline: rn.p.Name, CRMID: id, Status: state.StatusDone, UpdatedAt: now,
			Reason: fmt.Sprintf("recovered an interrupted write: %d of %d fields written", kept, len(byID[id]))}
		if found {
			rs.SeenModifiedAt = rec.ModifiedAt
		}
		if kept < len(byID[id]) && found {
			// Not everything arrived: the retry queue writes it again, from the cache.
			rs.Status, rs.Class, rs.NextAttempt = state.StatusParked, string(crm.ClassUnavailable), now
		}
		c.Records = append(c.Records, rs)
	}
	if err := rn.Store.CommitPage(ctx, c); err != nil {
		return fmt.Errorf("settle interrupted writes: %w", err)
	}
	rn.log.Warn("settled writes of an interrupted run", "records", len(ids))
	return nil
}

// sameValue compares a written value with what the CRM shows, allowing for the CRM's
// own formatting of times and numbers.
func sameValue(crmValue, written string) bool {
	a, b := strings.TrimSpace(crmValue), strings.TrimSpace(written)
	if a == b || strings.EqualFold(a, b) {
		return true
	}
	if ta, err := time.Parse(time.RFC3339Nano, a); err == nil {
		if tb, err := time.Parse(time.RFC3339Nano, b); err == nil {
			return ta.Equal(tb)
		}
	}
	if fa, err := strconv.ParseFloat(a, 64); err == nil {
		if fb, err := strconv.ParseFloat(b, 64); err == nil {
			return fa == fb
		}
	}
	return false
}
