package run

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/leadsync/leadsync/connector/react"
	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/state"
)

// recoverWrites settles the writes whose outcome is unknown: a crashed run's, or ones
// whose answer was lost (a timeout, a 5xx after the CRM committed, the shutdown grace
// running out). Each record is read back by id; the ledger keeps the values the CRM
// now holds (I6), the rest are dropped, and the record is done or parked, so that
// nothing is lost (I1) although the pipeline filter may no longer hand it out.
func (rn *run) recoverWrites(ctx context.Context) (error, error) {
	if rn.opts.DryRun {
		return nil, nil
	}
	pending, err := rn.Store.PendingWritesOf(ctx, rn.p.Name, rn.p.Account)
	if err != nil || len(pending) == 0 {
		return nil, err
	}
	byID := map[string][]state.LedgerEntry{}
	fields := map[string]bool{}
	for _, e := range pending {
		byID[e.CRMID] = append(byID[e.CRMID], e)
		fields[e.Field] = true
	}
	ids := slices.Sorted(maps.Keys(byID))
	for chunk := range slices.Chunk(ids, 100) {
		if stop, err := rn.recoverChunk(ctx, chunk, byID, slices.Sorted(maps.Keys(fields))); stop != nil || err != nil {
			return stop, err
		}
	}
	rn.log.Warn("settled writes whose outcome was unknown", "records", len(ids))
	return nil, nil
}

func (rn *run) recoverChunk(ctx context.Context, ids []string, byID map[string][]state.LedgerEntry, fields []string) (error, error) {
	recs, err := rn.readBack(ctx, ids, fields)
	var unreadable string
	if err != nil {
		if react.Of(err).Record == react.Defer {
			return err, nil // an outage or a limit: the next run reads back again
		}
		// A read-back that can never succeed (say, a field deleted from the CRM since)
		// must not wedge the pipeline: the records are parked with the reason.
		unreadable = "could not read back an interrupted write: " + err.Error()
	}
	current := map[string]crm.Record{}
	for _, r := range recs {
		current[r.ID] = r
	}
	now := rn.now()
	c := state.PageCommit{Pipeline: rn.p.Name, Account: rn.p.Account, Settle: ids, Recover: true}
	for _, id := range ids {
		rec, found := current[id]
		c.Records = append(c.Records, rn.recovered(id, rec, found, unreadable, byID[id], &c.Ledger, now))
	}
	stop, err := rn.commitFenced(ctx, c)
	if err != nil {
		return nil, fmt.Errorf("settle interrupted writes: %w", err)
	}
	return stop, nil
}

// recovered settles one record from what the read-back found.
func (rn *run) recovered(id string, rec crm.Record, found bool, unreadable string, rows []state.LedgerEntry,
	ledger *[]state.LedgerEntry, now time.Time) state.RecordState {
	kept := 0
	for _, e := range rows {
		// Unreadable: keep the rows, since a value leadsync may have written must not
		// lack one (I3 and I6 both ask for the ledger to be complete).
		if unreadable != "" || (found && sameValue(rec.Fields[e.Field], e.NewValue)) {
			e.Pending = false
			*ledger = append(*ledger, e)
			kept++
		}
	}
	rs := state.RecordState{Pipeline: rn.p.Name, Account: rn.p.Account, CRMID: id, Status: state.StatusDone,
		UpdatedAt: now, Reason: fmt.Sprintf("recovered a write whose outcome was unknown: %d of %d fields written", kept, len(rows))}
	switch {
	case unreadable != "":
		rs.Status, rs.Class, rs.Reason, rs.Attempts = state.StatusParked, string(crm.ClassInvalid), unreadable, react.MaxParkAttempts
	case !found:
		rs.Reason = "the record no longer exists in the CRM"
	case rec.Deleted: // in the recycle bin: what it shows was written, nothing is retried
		rs.Reason = "deleted in the CRM"
	default:
		rs.SeenModifiedAt = rec.ModifiedAt
		if kept < len(rows) {
			// Not everything arrived: the retry queue writes it again, from the cache.
			rs.Status, rs.Class, rs.NextAttempt = state.StatusParked, string(crm.ClassUnavailable), now
		}
	}
	return rs
}

// readBack reads records by id with the CRM's retries; a field the CRM no longer has
// is left out and the read made again once.
func (rn *run) readBack(ctx context.Context, ids, fields []string) ([]crm.Record, error) {
	get := func(fs []string) ([]crm.Record, error) {
		return react.Do(ctx, rn.Retry, func() ([]crm.Record, error) {
			recs, err := rn.p.CRM.Get(ctx, rn.p.Object, ids, fs)
			rn.Metrics.CallFinished(rn.p.Account, string(crm.ClassOf(err)))
			return recs, err
		})
	}
	recs, err := get(fields)
	if err == nil || rn.schema == nil || react.Of(err).Record == react.Defer {
		return recs, err
	}
	known := slices.DeleteFunc(slices.Clone(fields), func(f string) bool { _, ok := rn.schema.Fields[f]; return !ok })
	if len(known) == len(fields) {
		return nil, err
	}
	return get(known)
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
