package connector

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/lusha"
	"github.com/leadsync/leadsync/state"
)

// enrich gets a contact answer (and a company answer where needed) for every plan that
// is not settled, from the cache or from Lusha, persisting what it buys before use.
// Plans it cannot serve are left pending with the class that stopped them, and the
// first such class is the run's stop reason (rn.stop).
func (rn *run) enrich(ctx context.Context, all []*plan) error {
	// Records of one person are asked about once: the first of them speaks for all.
	plans, followers := byIdentity(open(all))
	defer share(followers)
	var toSearch []*plan
	for _, pl := range open(plans) {
		if pl.cached != nil && pl.cached.Outcome == state.OutcomeMatched {
			doc, err := decodeDoc(pl.cached.Answer)
			if err == nil {
				pl.contact, pl.lushaID = doc, pl.cached.LushaID
				continue
			}
		}
		toSearch = append(toSearch, pl)
	}
	// A plan that needs every data point is served by one search-and-enrich call:
	// the same credits as search then enrich, half the calls.
	everything := func(pl *plan) bool { return len(pl.reveal) == 2 }
	if err := rn.searchAndEnrich(ctx, filter(toSearch, everything)); err != nil {
		return err
	}
	if err := rn.search(ctx, filter(toSearch, func(pl *plan) bool { return !everything(pl) })); err != nil {
		return err
	}
	if err := rn.reveal(ctx, open(plans)); err != nil {
		return err
	}
	if err := rn.companies(ctx, open(plans)); err != nil {
		return err
	}
	// A plan that got no answer and no verdict waits for the next run.
	for _, pl := range open(plans) {
		if pl.contact == nil {
			rn.halt([]*plan{pl}, cmp.Or(rn.stopErr(), errNoAnswer))
		}
	}
	return nil
}

// byIdentity keeps one plan per identity key, needing the union of what its group
// needs, and returns the others by their leader.
func byIdentity(plans []*plan) ([]*plan, map[*plan][]*plan) {
	leaders := map[string]*plan{}
	followers := map[*plan][]*plan{}
	var out []*plan
	for _, pl := range plans {
		lead, seen := leaders[pl.key]
		if !seen {
			leaders[pl.key] = pl
			out = append(out, pl)
			continue
		}
		followers[lead] = append(followers[lead], pl)
		for _, dp := range pl.reveal {
			lead.reveal = appendUnique(lead.reveal, dp)
		}
		slices.Sort(lead.reveal)
		lead.company, lead.enrich = lead.company || pl.company, lead.enrich || pl.enrich
	}
	return out, followers
}

// share gives each follower its leader's answers, or its leader's verdict.
func share(followers map[*plan][]*plan) {
	for lead, fs := range followers {
		for _, pl := range fs {
			pl.contact, pl.firm, pl.lushaID, pl.cached = lead.contact, lead.firm, lead.lushaID, lead.cached
			if lead.settled {
				pl.settle(lead.result.Status, crm.Class(lead.result.Class), lead.result.Reason)
			}
		}
	}
}

var errNoAnswer error = &crm.Error{Service: "lusha", Op: "enrich", Class: crm.ClassUnavailable, Message: "no answer for this record"}

func filter(plans []*plan, keep func(*plan) bool) []*plan {
	var out []*plan
	for _, pl := range plans {
		if keep(pl) {
			out = append(out, pl)
		}
	}
	return out
}

// open returns the plans that still need work.
func open(plans []*plan) []*plan {
	var out []*plan
	for _, pl := range plans {
		if !pl.settled {
			out = append(out, pl)
		}
	}
	return out
}

// halt leaves plans pending because of err and makes err the run's stop reason.
func (rn *run) halt(plans []*plan, err error) {
	for _, pl := range plans {
		pl.settle(state.StatusPending, crm.ClassOf(err), err.Error())
	}
	rn.setStop(err)
}

// mayBuy says whether this run may call Lusha for money; a dry run only may with --live.
func (rn *run) mayBuy(plans []*plan) bool {
	switch {
	case rn.opts.Remap:
		for _, pl := range plans {
			pl.settle(state.StatusSkipped, crm.ClassNone, "remap: no cached answer")
		}
		return false
	case !rn.opts.DryRun || rn.opts.Live:
		return true
	}
	for _, pl := range plans {
		pl.settle(state.StatusPending, crm.ClassNone, "dry run: would ask Lusha (use --live to buy)")
	}
	return false
}

// reserve books credits within the configured budgets and what the account has left
// (from the pre-flight check): it returns how many were granted and the release to
// call once the spend is persisted.
func (rn *run) reserve(ctx context.Context, want int) (int, func(), error) {
	spent := rn.snapshot().CreditsSpent
	if rn.accountLeft >= 0 {
		want = min(want, max(0, int(rn.accountLeft)-spent))
	}
	if rn.opts.MaxCredits > 0 {
		want = min(want, max(0, rn.opts.MaxCredits-spent))
	}
	return rn.Lusha.budget.reserve(ctx, spent, want, rn.now())
}

// search looks up contacts, 100 a call, within the credit budget: 1 credit per
// started 25 results.
func (rn *run) search(ctx context.Context, plans []*plan) error {
	return rn.buy(ctx, plans, func(n int) int { return (n + 24) / 25 }, rn.searchChunk)
}

// buy makes one Lusha call per 100 plans, each within what the budget grants at the
// call's worst-case cost; plans beyond the grant wait (credits). A call Lusha refuses
// for one malformed item is made again in halves.
func (rn *run) buy(ctx context.Context, plans []*plan, cost func(n int) int, do func(context.Context, []*plan) error) error {
	if len(plans) == 0 || !rn.mayBuy(plans) {
		return nil
	}
	for start := 0; start < len(plans); start += lusha.MaxBatch {
		chunk := plans[start:min(start+lusha.MaxBatch, len(plans))]
		granted, release, err := rn.reserve(ctx, cost(len(chunk)))
		if err != nil {
			return err
		}
		n := len(chunk)
		for n > 0 && cost(n) > granted {
			n--
		}
		if n > 0 {
			err = do(ctx, chunk[:n])
		}
		release()
		if errors.Is(err, errSplit) {
			err = splitRetry(chunk[:n], func(half []*plan) error { return rn.buy(ctx, half, cost, do) })
		}
		if err != nil {
			return err
		}
		if n < len(chunk) {
			rn.halt(plans[start+n:], errBudgetSpent)
			return nil
		}
	}
	return nil
}

// searchItems are the Lusha items of a chunk, and the plans by the reference Lusha
// echoes back (the CRM record id).
func searchItems(chunk []*plan) ([]lusha.ContactSearchItem, map[string]*plan) {
	items := make([]lusha.ContactSearchItem, len(chunk))
	byRef := make(map[string]*plan, len(chunk))
	for i, pl := range chunk {
		items[i] = pl.item
		byRef[pl.rec.ID] = pl
	}
	return items, byRef
}

func (rn *run) searchChunk(ctx context.Context, chunk []*plan) error {
	items, byRef := searchItems(chunk)
	req := lusha.ContactsSearchRequest{Contacts: items}
	resp, err := call(ctx, rn.Lusha, func() (*lusha.ContactsSearchResponse, *lusha.Response, error) {
		return rn.Lusha.client.SearchContacts(ctx, req)
	})
	if err != nil {
		return rn.callFailed(ctx, chunk, err)
	}
	now := rn.now()
	var ens []state.Enrichment
	for _, res := range resp.Results {
		pl := byRef[res.ClientReferenceID]
		if pl == nil {
			continue
		}
		delete(byRef, res.ClientReferenceID)
		if e := rn.previewOutcome(pl, res, now); e != nil {
			ens = append(ens, *e)
		}
	}
	for _, pl := range byRef {
		pl.settle(state.StatusParked, crm.ClassUnavailable, "Lusha returned no result for this record")
	}
	return rn.persist(ctx, "contacts/search", resp.Billing.CreditsCharged, ens)
}

// previewOutcome applies one search result to its plan and returns what to cache.
func (rn *run) previewOutcome(pl *plan, res lusha.ContactPreview, now time.Time) *state.Enrichment {
	e := &state.Enrichment{Key: pl.key, FetchedAt: now}
	if res.Error != nil {
		switch res.Error.Code {
		case lusha.ItemNotFound:
			e.Outcome, e.ExpiresAt = state.OutcomeNoMatch, now.Add(rn.NegativeTTL)
			pl.settle(state.StatusDone, crm.ClassNoMatch, "Lusha has no match")
		case lusha.ItemComplianceRestricted:
			e.Outcome, e.ExpiresAt = state.OutcomeRestricted, now.Add(100*365*24*time.Hour)
			pl.settle(state.StatusDone, crm.ClassRestricted, "restricted by Lusha (compliance)")
			rn.restricted = append(rn.restricted, pl.key)
		default:
			pl.settle(state.StatusParked, crm.ClassUnavailable, fmt.Sprintf("Lusha: %s: %s", res.Error.Code, res.Error.Message))
			return nil
		}
		return e
	}
	doc, err := toDoc(res)
	if err != nil {
		pl.settle(state.StatusParked, crm.ClassInvalid, "Lusha answer: "+err.Error())
		return nil
	}
	pl.contact, pl.lushaID = doc, res.ID
	pl.cached = nil
	e.Outcome, e.LushaID, e.ExpiresAt = state.OutcomeMatched, res.ID, now.Add(rn.p.CacheTTL)
	e.Answer, _ = json.Marshal(doc)
	return e
}

// worstReveal is the most a contact's reveals can cost at list price (email 1, phone 5).
const worstReveal = 6

// searchAndEnrich looks up and enriches contacts in one call each 100, within the
// budget at worst-case prices (the exact price is unknown before the call).
func (rn *run) searchAndEnrich(ctx context.Context, plans []*plan) error {
	return rn.buy(ctx, plans, func(n int) int { return (n+24)/25 + n*worstReveal }, rn.searchAndEnrichChunk)
}

func (rn *run) searchAndEnrichChunk(ctx context.Context, chunk []*plan) error {
	reveal := []string{lusha.RevealEmails, lusha.RevealPhones}
	items, byRef := searchItems(chunk)
	req := lusha.ContactsSearchAndEnrichRequest{Contacts: items, Reveal: reveal}
	resp, err := call(ctx, rn.Lusha, func() (*lusha.ContactsSearchAndEnrichResponse, *lusha.Response, error) {
		return rn.Lusha.client.SearchAndEnrichContacts(ctx, req)
	})
	if err != nil {
		return rn.callFailed(ctx, chunk, err)
	}
	now := rn.now()
	var ens []state.Enrichment
	for _, res := range resp.Results {
		pl := byRef[res.ClientReferenceID]
		if pl == nil {
			continue
		}
		delete(byRef, res.ClientReferenceID)
		if e := rn.enrichedOutcome(pl, res, reveal, 0, now); e != nil {
			ens = append(ens, *e)
		}
	}
	for _, pl := range byRef {
		pl.settle(state.StatusParked, crm.ClassUnavailable, "Lusha returned no result for this record")
	}
	return rn.persist(ctx, "contacts/search-and-enrich", resp.Billing.CreditsCharged, ens)
}

// errSplit asks for a refused call to be made again in halves: Lusha refuses a whole
// batch for one malformed item (400) or one GDPR-restricted person (451) without
// naming it, and the halves find it, so that one record never holds back the others.
var errSplit = errors.New("lusha refused the batch; splitting it")

func splitRetry(chunk []*plan, again func([]*plan) error) error {
	half := len(chunk) / 2
	if err := again(chunk[:half]); err != nil {
		return err
	}
	return again(chunk[half:])
}

// enrichedOutcome applies one enriched contact to its plan, over the preview the plan
// already holds if any, and returns what to cache.
func (rn *run) enrichedOutcome(pl *plan, res lusha.EnrichedContact, revealed []string, credits int, now time.Time) *state.Enrichment {
	if res.Error != nil {
		return rn.previewOutcome(pl, lusha.ContactPreview{Error: res.Error}, now)
	}
	doc, err := toDoc(res)
	if err != nil {
		pl.settle(state.StatusParked, crm.ClassInvalid, "Lusha answer: "+err.Error())
		return nil
	}
	if pl.contact != nil {
		doc = mergeDoc(pl.contact, doc)
	}
	pl.contact, pl.lushaID = doc, cmp.Or(pl.lushaID, res.ID)
	pl.cached = &state.Enrichment{Key: pl.key, Outcome: state.OutcomeMatched, LushaID: pl.lushaID,
		Revealed: revealed, FetchedAt: now, ExpiresAt: now.Add(rn.p.CacheTTL), Credits: credits}
	pl.cached.Answer, _ = json.Marshal(doc)
	return pl.cached
}

// callFailed decides what a failed Lusha call means for its records.
func (rn *run) callFailed(ctx context.Context, chunk []*plan, err error) error {
	class := crm.ClassOf(err)
	switch {
	case (class == crm.ClassInvalid || class == crm.ClassRestricted) && len(chunk) > 1:
		return errSplit
	case class == crm.ClassRestricted:
		// The one person asked about is restricted: suppressed, never asked again.
		pl := chunk[0]
		e := rn.previewOutcome(pl, lusha.ContactPreview{Error: &lusha.ItemError{Code: lusha.ItemComplianceRestricted,
			Message: "restricted (HTTP 451)"}}, rn.now())
		return rn.persist(ctx, "contacts (451)", 0, []state.Enrichment{*e})
	case class == crm.ClassCanceled:
		rn.halt(chunk, err)
		return nil
	case class == crm.ClassInvalid:
		// The request was refused as malformed: park the records with the reason
		// rather than stopping the run for everyone.
		for _, pl := range chunk {
			pl.settle(state.StatusParked, crm.ClassInvalid, err.Error())
		}
		return nil
	}
	rn.halt(chunk, err)
	return nil
}

// persist stores answers and their cost before anything uses them (I2).
func (rn *run) persist(ctx context.Context, callName string, credits int, ens []state.Enrichment) error {
	spend := state.Spend{Pipeline: rn.p.Name, RunID: rn.id, Call: callName, Credits: credits, At: rn.now()}
	if err := rn.Store.SaveEnrichments(ctx, spend, ens); err != nil {
		return fmt.Errorf("persist Lusha answers: %w", err)
	}
	rn.count(func(c *state.RunCounts) { c.CreditsSpent += credits })
	for _, key := range rn.restricted {
		if err := rn.Store.Suppress(ctx, key, "lusha: compliance restricted", rn.now()); err != nil {
			return err
		}
	}
	rn.restricted = rn.restricted[:0]
	return nil
}

// revealed lists the data points already bought for a plan's contact.
func (pl *plan) revealed() []string {
	if pl.cached != nil {
		return pl.cached.Revealed
	}
	return nil
}

// wanted is what must be revealed for this plan: the data points some field needs and
// the person has. When a field reads an enriched-only part of the profile, the
// cheapest data point the person has is bought to get it.
func (pl *plan) wanted() []string {
	has := docStrings(pl.contact, "has")
	var want []string
	for _, dp := range pl.reveal {
		if slices.Contains(has, dp) {
			want = append(want, dp)
		}
	}
	if pl.enrich && len(want) == 0 {
		for _, dp := range []string{lusha.RevealEmails, lusha.RevealPhones} {
			if slices.Contains(has, dp) {
				want = append(want, dp)
				break
			}
		}
	}
	missing := false
	for _, dp := range want {
		if !slices.Contains(pl.revealed(), dp) {
			missing = true
		}
	}
	if !missing {
		return nil
	}
	return want
}

// revealCost is what enriching a contact for these data points costs, from the
// preview's canReveal (0 for data points the account already revealed).
func revealCost(contact map[string]any, want []string) int {
	price := map[string]int{lusha.RevealEmails: 1, lusha.RevealPhones: 5}
	if raw, ok := contact["canReveal"].([]any); ok {
		for _, item := range raw {
			m, _ := item.(map[string]any)
			field, _ := m["field"].(string)
			if credits, ok := m["credits"].(float64); ok && field != "" {
				price[field] = int(credits)
			}
		}
	}
	cost := 0
	for _, dp := range want {
		cost += price[dp]
	}
	return cost
}

// reveal enriches the contacts whose mapped fields need data points not yet bought,
// grouped by the set of data points (reveal applies to a whole call).
func (rn *run) reveal(ctx context.Context, plans []*plan) error {
	groups := map[string][]*plan{}
	for _, pl := range plans {
		if pl.contact == nil {
			continue
		}
		if want := pl.wanted(); len(want) > 0 {
			k := strings.Join(want, ",")
			groups[k] = append(groups[k], pl)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(groups)) {
		group := groups[k]
		if !rn.mayBuy(group) {
			continue
		}
		for chunk := range slices.Chunk(group, lusha.MaxBatch) {
			if err := rn.revealChunk(ctx, chunk, strings.Split(k, ",")); err != nil {
				return err
			}
		}
	}
	return nil
}

func (rn *run) revealChunk(ctx context.Context, chunk []*plan, want []string) error {
	cost := 0
	for _, pl := range chunk {
		cost += revealCost(pl.contact, want)
	}
	granted, release, err := rn.reserve(ctx, cost)
	if err != nil {
		return err
	}
	defer release()
	// Keep the prefix of contacts the grant pays for; the rest waits for budget.
	n, sum := 0, 0
	for _, pl := range chunk {
		c := revealCost(pl.contact, want)
		if sum+c > granted {
			break
		}
		sum += c
		n++
	}
	if n < len(chunk) {
		rn.halt(chunk[n:], errBudgetSpent)
		chunk = chunk[:n]
	}
	if len(chunk) == 0 {
		return nil
	}
	byID := make(map[string]*plan, len(chunk))
	req := lusha.ContactsEnrichRequest{Reveal: want}
	for _, pl := range chunk {
		req.IDs = append(req.IDs, pl.lushaID)
		byID[pl.lushaID] = pl
	}
	resp, err := call(ctx, rn.Lusha, func() (*lusha.ContactsEnrichResponse, *lusha.Response, error) {
		return rn.Lusha.client.EnrichContacts(ctx, req)
	})
	if err != nil {
		err = rn.callFailed(ctx, chunk, err)
		if errors.Is(err, errSplit) {
			release()
			return splitRetry(chunk, func(half []*plan) error { return rn.revealChunk(ctx, half, want) })
		}
		return err
	}
	now := rn.now()
	var ens []state.Enrichment
	for _, res := range resp.Results {
		pl := byID[res.ID]
		if pl == nil {
			continue
		}
		delete(byID, res.ID)
		revealed := slices.Clone(pl.revealed())
		for _, dp := range want {
			revealed = appendUnique(revealed, dp)
		}
		slices.Sort(revealed)
		if e := rn.enrichedOutcome(pl, res, revealed, revealCost(pl.contact, want), now); e != nil {
			ens = append(ens, *e)
		}
	}
	for _, pl := range byID {
		pl.settle(state.StatusParked, crm.ClassUnavailable, "Lusha returned no enrichment for this contact")
	}
	return rn.persist(ctx, "contacts/enrich", resp.Billing.CreditsCharged, ens)
}

// companies attaches company answers, enriched once per company per TTL: the cache is
// read once per page and each cached answer decoded once.
func (rn *run) companies(ctx context.Context, plans []*plan) error {
	need := map[string][]*plan{}
	for _, pl := range plans {
		if !pl.company || pl.contact == nil {
			continue
		}
		if id := docString(pl.contact, "company.id"); id != "" {
			need[id] = append(need[id], pl)
		} // else the person has no known company: company fields get no value
	}
	if len(need) == 0 {
		return nil
	}
	ids := slices.Sorted(maps.Keys(need))
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = companyKey(id)
	}
	cached, err := rn.Store.Enrichments(ctx, keys, rn.now())
	if err != nil {
		return err
	}
	var missing []string
	for _, id := range ids {
		if e := cached[companyKey(id)]; e != nil && e.Outcome == state.OutcomeMatched {
			if doc, err := decodeDoc(e.Answer); err == nil {
				for _, pl := range need[id] {
					pl.firm = doc
				}
				continue
			}
		}
		missing = append(missing, id)
	}
	if len(missing) == 0 {
		return nil
	}
	var all []*plan
	for _, id := range missing {
		all = append(all, need[id]...)
	}
	if !rn.mayBuy(all) {
		return nil
	}
	for chunk := range slices.Chunk(missing, lusha.MaxBatch) {
		if err := rn.companyChunk(ctx, chunk, need); err != nil {
			return err
		}
	}
	return nil
}

func companyKey(lushaCompanyID string) string { return "company:" + lushaCompanyID }

func (rn *run) companyChunk(ctx context.Context, ids []string, need map[string][]*plan) error {
	granted, release, err := rn.reserve(ctx, len(ids))
	if err != nil {
		return err
	}
	defer release()
	for _, id := range ids[granted:] {
		rn.halt(need[id], errBudgetSpent)
	}
	ids = ids[:granted]
	if len(ids) == 0 {
		return nil
	}
	resp, err := call(ctx, rn.Lusha, func() (*lusha.CompaniesEnrichResponse, *lusha.Response, error) {
		return rn.Lusha.client.EnrichCompanies(ctx, lusha.CompaniesEnrichRequest{IDs: ids})
	})
	if err != nil {
		var waiting []*plan
		for _, id := range ids {
			waiting = append(waiting, need[id]...)
		}
		if crm.ClassOf(err) == crm.ClassRestricted || crm.ClassOf(err) == crm.ClassInvalid {
			return nil // no company answer: company fields get no value
		}
		return rn.callFailed(ctx, waiting, err)
	}
	now := rn.now()
	var ens []state.Enrichment
	for _, res := range resp.Results {
		if res.Error != nil || need[res.ID] == nil {
			continue // no company answer: company fields get no value
		}
		doc, err := toDoc(res)
		if err != nil {
			continue
		}
		e := state.Enrichment{Key: companyKey(res.ID), Outcome: state.OutcomeMatched, LushaID: res.ID,
			FetchedAt: now, ExpiresAt: now.Add(rn.p.CacheTTL), Credits: 1}
		e.Answer, _ = json.Marshal(doc)
		ens = append(ens, e)
		for _, pl := range need[res.ID] {
			pl.firm = doc
		}
	}
	return rn.persist(ctx, "companies/enrich", resp.Billing.CreditsCharged, ens)
}
