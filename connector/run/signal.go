package run

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/leadsync/leadsync/connector/react"
	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/state"
)

// Signal makes a run act on one Lusha signal about a person (or a company) instead
// of reading the change stream: it reads the pipeline's records of that person by
// id, enriches them again under the budget, maps them with the mapping's writes for
// the signal's type (mapping.ForSignal) under its policies, and writes them through
// the usual write path, every ledger row carrying the signal's id. It moves no cursor.
type Signal struct {
	ID   string // the delivery's payload id: the ledger rows' SignalID
	Type string // companyChange, promotion, …
	// Data is the signal's data, decoded JSON: what the mapping's signal. paths read.
	Data any
	// At is when the signal was received: a cached answer fetched before it is the
	// old one and is bought again; one fetched after (a retried action's) is used.
	At     time.Time
	CRMIDs []string // the pipeline's records of the person
}

// forSignal is the pipeline a signal's run works with: the mapping acting on the
// signal, and no company records (a person's signal writes the person's record).
func forSignal(p *Pipeline, s *Signal) *Pipeline {
	if s == nil {
		return p
	}
	q := *p
	q.Mapping, q.Companies = p.Mapping.ForSignal(s.Type), nil
	return &q
}

// actOnSignal runs the signal's records through the stages, by id as the retry
// queue does: they are selected already, so the pipeline filter does not apply.
func (rn *run) actOnSignal(ctx context.Context) (error, error) {
	if rn.opts.DryRun {
		return nil, nil
	}
	// The person is enriched again by the Lusha id their stale answer names, as a
	// refresh does: free for the data points the account owns, no search.
	rn.refreshing = &refreshing{cutoff: rn.opts.Signal.At, fromStale: true}
	defer func() { rn.refreshing = nil }()
	return rn.byID(ctx, rn.opts.Signal.CRMIDs)
}

// byID reads records by id, 100 at a time, and runs them through the stages; their
// batches are not pages of the change stream and never touch the cursor.
func (rn *run) byID(ctx context.Context, ids []string) (error, error) {
	c := rn.committer("")
	for chunk := range slices.Chunk(ids, 100) {
		if rn.stopping() {
			return errShutdown, nil
		}
		if err := rn.lease.check(); err != nil {
			return err, nil
		}
		recs, err := react.Do(ctx, rn.Retry, func() ([]crm.Record, error) {
			recs, err := rn.p.CRM.Get(ctx, rn.p.Object, chunk, rn.readFields())
			rn.Metrics.CallFinished(rn.p.Account, string(crm.ClassOf(err)))
			return recs, err
		})
		if err != nil {
			return err, nil
		}
		live, stop, err := rn.dropVanished(ctx, chunk, recs)
		if stop != nil || err != nil {
			return stop, err
		}
		b, err := rn.prepare(ctx, crm.Page{Records: live, Total: -1}, false)
		if err != nil {
			return nil, err
		}
		if stop, err := c.handle(ctx, b); stop != nil || err != nil {
			return stop, err
		}
	}
	return nil, nil
}

// fresh is a cached answer a run may use: in a signal's run, not one fetched
// before the signal said the person changed; in a refresh, not one older than its
// cutoff.
func (rn *run) fresh(e *state.Enrichment) *state.Enrichment {
	switch {
	case e == nil:
		return nil
	case rn.opts.Signal != nil && e.FetchedAt.Before(rn.opts.Signal.At),
		rn.refreshing != nil && e.FetchedAt.Before(rn.refreshing.cutoff):
		return nil
	}
	return e
}

// signalOnly lists the fields of signal that base lacks.
func signalOnly(signal, base []string) []string {
	return slices.DeleteFunc(slices.Clone(signal), func(f string) bool { return slices.Contains(base, f) })
}

// digest is the record's digest (echo.go) over the fields the pipeline's runs
// read: a signal's run leaves out the fields only it reads, so that the next run
// of the pipeline knows the signal's write for its own echo.
func (rn *run) digest(fields, written map[string]string) string {
	if len(rn.signalOnly) > 0 {
		fields = maps.Clone(fields)
		for _, f := range rn.signalOnly {
			delete(fields, f)
		}
	}
	return digestOf(fields, written)
}

// signalID and signalData are the signal's, or zero outside a signal's run.
func (rn *run) signalID() string {
	if rn.opts.Signal == nil {
		return ""
	}
	return rn.opts.Signal.ID
}

func (rn *run) signalData() any {
	if rn.opts.Signal == nil {
		return nil
	}
	return rn.opts.Signal.Data
}
