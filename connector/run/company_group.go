package run

import (
	"context"
	"maps"
	"slices"
	"strings"

	"github.com/leadsync/leadsync/connector/react"
	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/lusha"
	"github.com/leadsync/leadsync/mapping"
	"github.com/leadsync/leadsync/state"
)

// Dry-run actions of the company-record stage.
const (
	ActionWouldCreateCompany mapping.Action = "would_create_company"
	ActionWouldLinkCompany   mapping.Action = "would_link_company"
)

// companyBatch is a page's company records on their way from the enrich goroutine,
// which finds and maps them, to the committer, which writes them.
type companyBatch struct {
	recs      []*Record           // company records, one per record however many people
	links     map[string][]string // company id → people to link to it (found by domain)
	creations []*creation         // companies to create, one per domain
	firms     map[string]*Record  // company records of this batch by id
	// answers hold the company answers by Lusha company id, as shadow records: the
	// enricher buys and caches them as it does a person's company answer, and
	// nothing of them touches the people.
	answers map[string]*Record
	stop    error // why company records had to wait (credits)
}

// creation is a company to create for people who belong to none.
type creation struct {
	domain string
	people []string
	rec    *Record // the new company's mapping, from empty fields; rec.rec.ID is set once created
}

// companyPrepare finds the company record of each person of the page that has an
// answer, takes up each record not yet handled in this run, gets its company answer
// (from the person's, the cache, or Lusha) and maps it. It runs in the enrich
// goroutine, after the people were mapped.
func (rn *run) companyPrepare(ctx context.Context, b *batch) error {
	co := rn.co
	if co == nil {
		return nil
	}
	people := keep(b.recs, func(r *Record) bool { return r.contact != nil })
	if len(people) == 0 {
		return nil
	}
	of, err := co.companiesOfPeople(ctx, people)
	if err != nil {
		// The people are written anyway; their company records wait for their next
		// change, or stop the run when the CRM itself cannot go on.
		rn.log.Warn("could not find the people's company records", "err", err)
		if react.Of(err).Record == react.Defer {
			b.stop = firstErr(b.stop, err)
		}
		return nil
	}
	cb := newCompanyBatch()
	var lacking []*Record
	for _, r := range people {
		if rec, ok := of[r.rec.ID]; ok {
			co.take(cb, rec, r)
		} else if co.create {
			lacking = append(lacking, r)
		}
	}
	spent := rn.spent
	defer func() { b.counts.CreditsSpent += rn.spent - spent }()
	if err := co.settle(ctx, cb, cb.recs, lacking); err != nil {
		return err
	}
	if err := co.missing(ctx, cb, lacking); err != nil {
		return err
	}
	co.mapAll(cb)
	b.companies, b.stop = cb, firstErr(b.stop, cb.stop)
	return nil
}

// companiesOfPeople reads the company record of each person, with the fields the
// company mapping reads and writes.
func (co *companyRun) companiesOfPeople(ctx context.Context, people []*Record) (map[string]crm.Record, error) {
	ids := make([]string, len(people))
	for i, r := range people {
		ids[i] = r.rec.ID
	}
	rn := co.people
	return react.Do(ctx, rn.Retry, func() (map[string]crm.Record, error) {
		of, err := co.crm.CompaniesOf(ctx, rn.p.Object, ids, co.sub.readFields())
		rn.Metrics.CallFinished(rn.p.Account, string(crm.ClassOf(err)))
		return of, err
	})
}

// take adds a person's company record to the batch, once a run: a record already
// taken up in this run (by an earlier page) is left alone.
func (co *companyRun) take(cb *companyBatch, rec crm.Record, person *Record) *Record {
	g := cb.firms[rec.ID]
	if g == nil {
		if !co.takeUp(rec.ID) {
			return nil
		}
		g = newRecord(rec, state.RecordState{}, false)
		cb.firms[rec.ID] = g
		cb.recs = append(cb.recs, g)
	}
	if g.lushaID == "" {
		if id := docString(person.contact, "company.id"); id != "" {
			g.lushaID, g.key = id, companyKey(id)
			co.remember(cb, id, person.firm)
		}
	}
	return g
}

// takeUp marks a company record taken up in this run; false if it already was.
func (co *companyRun) takeUp(id string) bool {
	co.mu.Lock()
	defer co.mu.Unlock()
	if co.done[id] {
		return false
	}
	co.done[id] = true
	return true
}

// remember keeps a company answer the page already holds, so that it is not bought.
func (co *companyRun) remember(cb *companyBatch, lushaID string, doc map[string]any) {
	a := cb.answers[lushaID]
	if a == nil {
		a = &Record{status: Planned, company: true, contact: map[string]any{"company": map[string]any{"id": lushaID}}}
		cb.answers[lushaID] = a
	}
	if a.firm == nil {
		a.firm = doc
	}
}

// settle reads what the store knows of recs (attempts, ownership) and gets the company
// answers they and the people without a company record need, in one purchase.
func (co *companyRun) settle(ctx context.Context, cb *companyBatch, recs []*Record, lacking []*Record) error {
	if err := co.load(ctx, recs); err != nil {
		return err
	}
	for _, g := range recs {
		needs := co.sub.p.Mapping.Needs(g.rec.Fields, g.owned)
		switch {
		case g.lushaID == "":
			g.set(Skipped, crm.ClassNone, "Lusha knows no company for its people")
		case g.prev.IdentityKey != "" && g.prev.IdentityKey != g.key:
			// Its people now work at another company at Lusha (a job change seen by
			// a refresh or a signal) while the CRM still links them here: the other
			// company's answer must not overwrite this one's fields.
			g.key = g.prev.IdentityKey
			g.set(Kept, crm.ClassNone, "its people's company at Lusha is no longer the one it was written from; left alone")
		case !readsCompany(needs.Sources) && cb.answers[g.lushaID].firm == nil:
			g.set(Kept, crm.ClassNone, "nothing to write")
		default:
			g.set(Planned, crm.ClassNone, "")
		}
	}
	// Answers are bought only for company records some field would be written to,
	// and for people without a company record, whose company may be created.
	want := map[string]bool{}
	for _, g := range recs {
		want[g.lushaID] = want[g.lushaID] || g.status == Planned
	}
	for _, r := range lacking {
		if id := docString(r.contact, "company.id"); id != "" {
			co.remember(cb, id, r.firm)
			want[id] = true
		}
	}
	return co.buy(ctx, cb, want)
}

// load reads the stored state and the ledger's ownership of company records.
func (co *companyRun) load(ctx context.Context, recs []*Record) error {
	if len(recs) == 0 {
		return nil
	}
	sub := co.sub
	ids := make([]string, len(recs))
	for i, g := range recs {
		ids[i] = g.rec.ID
	}
	prev, err := sub.Store.RecordsOf(ctx, sub.p.Name, sub.p.Account, ids)
	if err != nil {
		return err
	}
	var owned map[string]map[string]string
	if hasOwnedPolicy(sub.p.Mapping) {
		if owned, err = sub.Store.OwnedBy(ctx, sub.p.Account, sub.p.Object, ids); err != nil {
			return err
		}
	}
	for _, g := range recs {
		g.prev.Attempts, g.prev.IdentityKey = prev[g.rec.ID].Attempts, prev[g.rec.ID].IdentityKey
		g.owned = owned[g.rec.ID]
	}
	return nil
}

func readsCompany(sources []string) bool {
	return slices.ContainsFunc(sources, func(s string) bool { return strings.HasPrefix(s, "company.") })
}

// buy gets the wanted company answers the batch lacks, through the people run's
// enricher: from the cache, else from Lusha (once per company per TTL, within the
// budget).
func (co *companyRun) buy(ctx context.Context, cb *companyBatch, want map[string]bool) error {
	var shadows []*Record
	for _, id := range slices.Sorted(maps.Keys(cb.answers)) {
		if a := cb.answers[id]; a.firm == nil && a.status == Planned && want[id] {
			shadows = append(shadows, a)
		}
	}
	if len(shadows) == 0 {
		return nil
	}
	e := &enricher{rn: co.people, prices: co.people.prices()}
	if err := e.companies(ctx, shadows); err != nil {
		return err
	}
	cb.stop = e.stop
	return nil
}

// mapAll maps each company record that has its answer; the others wait (the answer
// could not be bought now) or are done (Lusha has none).
func (co *companyRun) mapAll(cb *companyBatch) {
	sub := co.sub
	var mapped []*Record
	for _, g := range append(slices.Clone(cb.recs), creationRecs(cb)...) {
		if g.status != Planned {
			continue
		}
		a := cb.answers[g.lushaID]
		switch {
		case a != nil && a.firm != nil:
			g.firm, g.contact = a.firm, map[string]any{} // the company mapping reads company. only
			mapped = append(mapped, g)
		case a != nil && a.status == Deferred:
			g.set(Deferred, a.class, a.reason)
			if sub.opts.DryRun && a.class == crm.ClassNone {
				sub.dry.add(Change{RecordID: g.rec.ID, Action: ActionWouldEnrich, Reason: "no cached Lusha company answer",
					Credits: cost(co.people.prices(), lusha.ActionRevealCompany, 1)})
			}
		default:
			g.set(Skipped, crm.ClassNone, "Lusha has no answer for the company")
		}
	}
	sub.mapAll(mapped)
}

func creationRecs(cb *companyBatch) []*Record {
	out := make([]*Record, len(cb.creations))
	for i, c := range cb.creations {
		out[i] = c.rec
	}
	return out
}
