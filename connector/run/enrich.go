package run

import (
	"context"
	"slices"
	"time"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/lusha"
	"github.com/leadsync/leadsync/state"
)

// enricher buys one page's answers. It owns the page's planned records until it hands
// them on; stop is the first reason records had to wait (credits, quota, outage).
type enricher struct {
	rn   *run
	stop error
	// prices are the account's, as the page started.
	prices lusha.Pricing
	// restricted are identity keys to suppress with the next persisted answers.
	restricted []string
}

// maxWaitForOthers bounds how long a run waits for another pipeline's or process's
// purchase of the same people.
const maxWaitForOthers = 2 * time.Minute

var (
	errNoAnswer = &crm.Error{Service: "lusha", Op: "enrich", Class: crm.ClassUnavailable,
		Message: "no answer for this record"}
	errBoughtElsewhere = &crm.Error{Service: "leadsync", Op: "enrich", Class: crm.ClassUnavailable,
		Message: "another pipeline or process was buying this person and gave no answer; the next run asks again"}
)

// enrich gets a contact answer (and a company answer where needed) for every open
// record, from the cache or from Lusha, persisting what it buys before use (I2). A
// person is bought once: records of one identity in the page share one leader, and
// leaders whose identity another pipeline or process is buying wait for its answer.
// It returns the reason records had to wait, which ends the run after the page.
func (rn *run) enrich(ctx context.Context, recs []*Record) (error, error) {
	e := &enricher{rn: rn, prices: rn.prices()}
	leaders, followers := byIdentity(keep(recs, func(r *Record) bool { return r.status == Planned }))
	defer share(followers)
	for _, r := range leaders {
		e.useCache(r)
	}
	if rn.p.Mapping.ForCompanies() {
		if err := e.companyRecords(ctx, leaders); err != nil {
			return nil, err
		}
		return e.noAnswer(leaders), nil
	}
	if err := e.buyOnce(ctx, leaders, e.needsPurchase, e.buyContacts); err != nil {
		return nil, err
	}
	if err := e.companies(ctx, keep(leaders, func(r *Record) bool { return r.status == Planned })); err != nil {
		return nil, err
	}
	return e.noAnswer(leaders), nil
}

// noAnswer leaves a record that got no answer and no verdict to the next run, and
// returns the reason records had to wait.
func (e *enricher) noAnswer(leaders []*Record) error {
	for _, r := range leaders {
		if r.status == Planned && !r.answered() {
			e.hold([]*Record{r}, firstErr(e.stop, errNoAnswer))
		}
	}
	return e.stop
}

// buyOnce buys with buy what the leaders that need a purchase lack, under single
// flight: the identities another pipeline or process is buying are waited for, and
// their answers taken from the cache.
func (e *enricher) buyOnce(ctx context.Context, leaders []*Record, needs func(*Record) bool, buy func(context.Context, []*Record) error) error {
	buying := keep(leaders, needs)
	for round := 0; len(buying) > 0 && e.mayBuy(buying); round++ {
		if round == 2 {
			e.hold(buying, errBoughtElsewhere)
			break
		}
		mine, others, flight, err := e.claim(ctx, buying)
		if err != nil {
			return err
		}
		// The plan read the cache before the claim: another process may have saved
		// the answer and let its claim go in between (I2). A stalled holder that lost
		// its lease buys nothing.
		if err = e.reread(ctx, mine); err == nil {
			if lost := e.rn.lease.check(); lost != nil {
				e.hold(mine, lost)
			}
			mine = keep(mine, func(r *Record) bool { return r.status == Planned && needs(r) })
		}
		if err != nil {
			flight.Release()
			return err
		}
		buyCtx, cancel := flight.Context(ctx)
		err = buy(buyCtx, mine)
		cancel()
		flight.Release()
		if err != nil {
			return err
		}
		if err := e.waitFor(ctx, others); err != nil {
			return err
		}
		// Only what others bought is looked at again: a record is bought once a run.
		buying = keep(others, func(r *Record) bool { return r.status == Planned && needs(r) })
	}
	return nil
}

// useCache serves a record from its cached answer where that answer is enough.
func (e *enricher) useCache(r *Record) {
	if r.cached == nil || r.cached.Outcome != state.OutcomeMatched {
		return
	}
	if e.rn.p.Mapping.ForCompanies() {
		// A company record's identity caches its search: the Lusha company id.
		r.lushaID = r.cached.LushaID
		return
	}
	if doc, err := decodeDoc(r.cached.Answer); err == nil {
		r.contact, r.lushaID = doc, r.cached.LushaID
	}
}

// needsPurchase: no answer yet, or an answer lacking data points a field needs.
func (e *enricher) needsPurchase(r *Record) bool {
	return r.contact == nil || len(r.wanted()) > 0
}

// buyContacts buys what the records this run claimed need: a search-and-enrich for
// those that need everything, a free-ish search for the rest, then the reveals.
func (e *enricher) buyContacts(ctx context.Context, recs []*Record) error {
	// A refresh knows its people's Lusha ids: they need no search.
	e.refreshable(recs)
	noAnswer := keep(recs, func(r *Record) bool { return r.contact == nil })
	// A record that needs every data point is served by one search-and-enrich call:
	// the same credits as search then enrich, half the calls. Not once someone was
	// forgotten: their Lusha id must be seen (in a search) before anything is bought.
	forgotten, err := e.rn.Store.AnyPersonForgotten(ctx)
	if err != nil {
		return err
	}
	everything := func(r *Record) bool { return len(r.reveal) == 2 && !forgotten }
	if err := e.searchAndEnrich(ctx, keep(noAnswer, everything)); err != nil {
		return err
	}
	if err := e.search(ctx, keep(noAnswer, func(r *Record) bool { return !everything(r) })); err != nil {
		return err
	}
	return e.reveal(ctx, keep(recs, func(r *Record) bool { return r.status == Planned && r.contact != nil }))
}

// claim takes the identity keys of the records to buy. The records whose identity
// another pipeline or process is buying are returned apart, to wait for its answer.
func (e *enricher) claim(ctx context.Context, recs []*Record) (mine, others []*Record, flight Claim, err error) {
	keys := make([]string, len(recs))
	for i, r := range recs {
		keys[i] = r.key
	}
	c, err := e.rn.Lusha.Claim(ctx, keys)
	if err != nil {
		return nil, nil, nil, err
	}
	owned := c.Mine()
	for _, r := range recs {
		if slices.Contains(owned, r.key) {
			mine = append(mine, r)
		} else {
			others = append(others, r)
		}
	}
	return mine, others, c, nil
}

// waitFor waits for the purchases of other pipelines and takes their answers.
func (e *enricher) waitFor(ctx context.Context, recs []*Record) error {
	if len(recs) == 0 {
		return nil
	}
	keys := make([]string, len(recs))
	for i, r := range recs {
		keys[i] = r.key
	}
	// A buyer elsewhere that neither answers nor dies is not waited for longer than
	// this: its people wait for a later run, and this run ends after the page.
	waitCtx, cancel := context.WithTimeout(ctx, maxWaitForOthers)
	defer cancel()
	if err := e.rn.Lusha.Wait(waitCtx, keys); err != nil {
		e.hold(recs, errBoughtElsewhere)
		return nil
	}
	return e.reread(ctx, recs)
}

// reread takes the answers the cache now holds for recs: bought meanwhile by another
// pipeline or process.
func (e *enricher) reread(ctx context.Context, recs []*Record) error {
	keys := make([]string, len(recs))
	for i, r := range recs {
		keys[i] = r.key
	}
	cached, err := e.rn.Store.Enrichments(ctx, keys, e.rn.now())
	if err != nil {
		return err
	}
	for _, r := range recs {
		c := e.rn.fresh(cached[r.key])
		if c == nil {
			continue
		}
		r.cached = c
		switch c.Outcome {
		case state.OutcomeNoMatch:
			r.set(Skipped, crm.ClassNoMatch, "Lusha has no match")
		case state.OutcomeRestricted:
			r.set(Skipped, crm.ClassRestricted, "restricted by Lusha (compliance)")
		default:
			e.useCache(r)
		}
	}
	return nil
}

// hold leaves records to a later run because of err, and makes err the stop reason.
func (e *enricher) hold(recs []*Record, err error) {
	for _, r := range recs {
		if r.open() {
			r.set(Deferred, crm.ClassOf(err), err.Error())
		}
	}
	if e.stop == nil {
		e.stop = err
	}
}

// mayBuy says whether this run may call Lusha for money; a dry run only may with
// --live, and a remap never.
func (e *enricher) mayBuy(recs []*Record) bool {
	rn := e.rn
	switch {
	case rn.opts.Remap:
		for _, r := range recs {
			if !r.answered() {
				r.set(Skipped, crm.ClassNone, "remap: no cached answer")
			}
		}
		return false
	case !rn.opts.DryRun || rn.opts.Live:
		return true
	}
	for _, r := range recs {
		r.set(Deferred, crm.ClassNone, "dry run: would ask Lusha (use --live to buy)")
	}
	return false
}

// byIdentity keeps one record per identity key, needing the union of what its group
// needs, and returns the others by their leader.
func byIdentity(recs []*Record) ([]*Record, map[*Record][]*Record) {
	leaders := map[string]*Record{}
	followers := map[*Record][]*Record{}
	var out []*Record
	for _, r := range recs {
		lead, seen := leaders[r.key]
		if !seen {
			leaders[r.key] = r
			out = append(out, r)
			continue
		}
		followers[lead] = append(followers[lead], r)
		for _, dp := range r.reveal {
			lead.reveal = appendUnique(lead.reveal, dp)
		}
		slices.Sort(lead.reveal)
		lead.company, lead.enrich = lead.company || r.company, lead.enrich || r.enrich
	}
	return out, followers
}

// share gives each follower its leader's answers, or its leader's verdict.
func share(followers map[*Record][]*Record) {
	for lead, fs := range followers {
		for _, r := range fs {
			r.contact, r.firm, r.lushaID, r.cached = lead.contact, lead.firm, lead.lushaID, lead.cached
			if lead.status != Planned {
				r.set(lead.status, lead.class, lead.reason)
			}
		}
	}
}
