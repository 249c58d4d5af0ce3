package run

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sync"

	"github.com/leadsync/leadsync/connector/react"
	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/state"
)

// pageSize is how many records a page holds: HubSpot's search maximum, and small
// enough that a page in each of the three stages keeps memory flat.
const pageSize = 200

// batch is one page on its way from the enrich stage to the write stage. It carries
// what the enrich stage counted and why it stopped, so that the committer alone sums
// the run.
type batch struct {
	pg      crm.Page
	recs    []*Record
	stream  bool // a page of the change stream: its commit may move the cursor
	cut     bool // --limit cut the page: the cursor must not pass it
	reached bool // --limit reached: read no further
	counts  state.RunCounts
	stop    error // the enrich stage's reason to end the run after this page
	// companies are the company records of the page's people (company_record).
	companies *companyBatch
}

// stream reads the change stream from the stored cursor and handles it page by page,
// retrying a broken read from the last page handled as the table allows.
func (rn *run) stream(ctx context.Context) (error, error) {
	cursor, err := rn.Store.Cursor(ctx, rn.p.Name)
	if err != nil {
		return nil, err
	}
	if rn.opts.Remap {
		cursor = ""
	}
	for attempt := 0; ; {
		resumeAt, readErr, stop, err := rn.readFrom(ctx, crm.Cursor(cursor))
		if stop != nil || err != nil || readErr == nil {
			return stop, err
		}
		if string(resumeAt) != cursor {
			attempt = 0 // the read made progress: count failures afresh
		}
		attempt++
		cursor = string(resumeAt)
		wait, again := rn.Retry.Wait(readErr, attempt)
		if !again {
			return readErr, nil
		}
		rn.log.Warn("CRM read failed, retrying", "class", crm.ClassOf(readErr), "wait", wait, "err", readErr)
		if react.Sleep(ctx, wait) != nil {
			return readErr, nil
		}
	}
}

// readFrom reads from cursor until the end, a stop, or a read error, which it returns
// as readErr with the cursor to resume from.
//
// Three stages overlap (DESIGN §2): a reader goroutine, an enrich goroutine that plans,
// buys and maps, and this goroutine, which writes and commits in read order: the
// committer is the only one that moves the cursor, over settled stream pages only.
func (rn *run) readFrom(ctx context.Context, cursor crm.Cursor) (resumeAt crm.Cursor, readErr, stop, err error) {
	req := crm.ChangesRequest{Object: rn.p.Object, Since: cursor, Fields: rn.readFields(), Filter: rn.filter(),
		PageSize: pageSize}
	readCtx, cancelRead := context.WithCancel(ctx)
	defer cancelRead()
	quit := make(chan struct{})
	halt := sync.OnceFunc(func() { close(quit); cancelRead() })
	pages := make(chan crm.Page, 1)
	prepared := make(chan *batch, 1)
	var prepErr, rerr error
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(pages)
		for pg, err := range rn.p.CRM.Changes(readCtx, req) {
			rn.Metrics.CallFinished(rn.p.Account, string(crm.ClassOf(err)))
			if err != nil {
				rerr = err
				return
			}
			select {
			case pages <- pg:
			case <-quit:
				return
			}
		}
	})
	wg.Go(func() {
		defer close(prepared)
		for pg := range pages {
			// ctx, not readCtx: a page whose purchase started is finished and its
			// answers persisted even when the run stops meanwhile (I2).
			b, err := rn.prepare(ctx, pg, true)
			if err == nil {
				err = rn.companyPrepare(ctx, b)
			}
			if err != nil {
				prepErr = err
				halt()
				return
			}
			select {
			case prepared <- b:
			case <-quit:
				return
			}
			if b.reached || b.stop != nil {
				halt()
				return
			}
		}
	})
	defer wg.Wait()
	defer halt()
	c := rn.committer(cursor)
	for b := range prepared {
		if stop, err = c.handlePage(ctx, b); stop != nil || err != nil || b.reached {
			return c.cursor, nil, stop, err
		}
		if rn.stopping() {
			return c.cursor, nil, errShutdown, nil
		}
	}
	wg.Wait()
	switch {
	case prepErr != nil:
		return c.cursor, nil, nil, prepErr
	case rerr != nil && (errors.Is(rerr, context.Canceled) || ctx.Err() != nil):
		return c.cursor, nil, ctx.Err(), nil
	}
	return c.cursor, rerr, nil, nil
}

// stopping reports whether shutdown began.
func (rn *run) stopping() bool {
	select {
	case <-rn.Stopping:
		return true
	default:
		return false
	}
}

// filter is the pipeline's filter, except for a remap, which revisits every record.
func (rn *run) filter() crm.Filter {
	if rn.opts.Remap {
		return crm.Filter{}
	}
	return rn.p.Filter
}

// readFields is what the read asks for: identity, filter and every target field, so
// that the plan knows what is already filled.
func (rn *run) readFields() []string {
	seen := map[string]bool{}
	var fs []string
	add := func(names ...string) {
		for _, n := range names {
			if n != "" && !seen[n] {
				seen[n] = true
				fs = append(fs, n)
			}
		}
	}
	add(rn.p.Mapping.MatchFields()...)
	add(rn.p.Mapping.TargetFields()...)
	add(rn.p.Filter.Missing...)
	add(slices.Sorted(maps.Keys(rn.p.Filter.Equals))...)
	return fs
}
