package run

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"

	"github.com/leadsync/leadsync/connector/react"
	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/lusha"
	"github.com/leadsync/leadsync/state"
)

// revealChunk enriches one chunk of contacts for the same data points. Two CRM
// records under different identity keys may preview to one Lusha person: the person
// is asked for (and paid for) once, and the answer goes to every record that asked.
func (e *enricher) revealChunk(ctx context.Context, chunk []*Record, want []string) error {
	cost := 0
	for _, r := range chunk {
		cost += e.revealCost(r.contact, want)
	}
	granted, release, err := e.reserve(ctx, cost)
	if err != nil {
		return err
	}
	defer release()
	// Keep the prefix of contacts the grant pays for; the rest waits for budget.
	n, sum := 0, 0
	for _, r := range chunk {
		c := e.revealCost(r.contact, want)
		if sum+c > granted {
			break
		}
		sum += c
		n++
	}
	if n < len(chunk) {
		e.hold(chunk[n:], errBudgetSpent)
		chunk = chunk[:n]
	}
	if len(chunk) == 0 {
		return nil
	}
	byID := map[string][]*Record{}
	for _, r := range chunk {
		byID[r.lushaID] = append(byID[r.lushaID], r)
	}
	req := lusha.ContactsEnrichRequest{Reveal: want, IDs: slices.Sorted(maps.Keys(byID)), WaterfallEnabled: optOutOfWaterfall}
	resp, err := e.rn.Lusha.EnrichContacts(ctx, req)
	if err != nil {
		err = e.callFailed(ctx, chunk, err)
		if errors.Is(err, errSplit) {
			release()
			return splitRetry(chunk, func(half []*Record) error { return e.revealChunk(ctx, half, want) })
		}
		return err
	}
	jobCredits, unsettled := e.settle(ctx, resp)
	now := e.rn.now()
	var ens []state.Enrichment
	var unpaid []*Record
	for _, res := range resp.Results {
		recs := byID[res.ID]
		delete(byID, res.ID)
		unbilled := res.Unbilled(want, unsettled != nil)
		if len(unbilled) > 0 {
			unpaid = append(unpaid, recs...)
		}
		for i, r := range recs {
			credits := 0
			if i == 0 { // the person was paid for once, for what was billed
				credits = e.revealCost(r.contact, slices.DeleteFunc(slices.Clone(want), func(dp string) bool {
					return slices.Contains(unbilled, dp)
				}))
			}
			if en := e.enrichedOutcome(r, res, want, unbilled, credits, now); en != nil {
				ens = append(ens, *en)
			}
		}
	}
	for _, recs := range byID {
		for _, r := range recs {
			r.set(Parked, crm.ClassUnavailable, "Lusha returned no enrichment for this contact")
		}
	}
	err = e.persist(ctx, "contacts/enrich", resp.Billing.CreditsCharged+jobCredits, ens)
	e.leaveUnpaid(unpaid, unsettled)
	return err
}

func companyKey(lushaCompanyID string) string { return "company:" + lushaCompanyID }

// companies attaches company answers, enriched once per company per TTL: the cache is
// read once per page and each cached answer decoded once.
func (e *enricher) companies(ctx context.Context, recs []*Record) error {
	need := map[string][]*Record{}
	for _, r := range recs {
		if !r.company || r.contact == nil {
			continue
		}
		if id := docString(r.contact, "company.id"); id != "" {
			need[id] = append(need[id], r)
		} // else the person has no known company: company fields get no value
	}
	return e.companyAnswers(ctx, need)
}

// cachedCompanies serves what the cache holds and returns the company ids it lacks.
func (e *enricher) cachedCompanies(ctx context.Context, need map[string][]*Record) ([]string, error) {
	ids := slices.Sorted(maps.Keys(need))
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = companyKey(id)
	}
	cached, err := e.rn.Store.Enrichments(ctx, keys, e.rn.now())
	if err != nil {
		return nil, err
	}
	var missing []string
	for _, id := range ids {
		c := cached[companyKey(id)]
		if e.rn.p.Mapping.ForCompanies() {
			c = e.rn.fresh(c) // a company signal's run buys its company again
		}
		if c != nil && c.Outcome == state.OutcomeMatched {
			if doc, err := decodeDoc(c.Answer); err == nil {
				for _, r := range need[id] {
					r.firm = doc
				}
				continue
			}
		}
		missing = append(missing, id)
	}
	return missing, nil
}

func (e *enricher) companyChunk(ctx context.Context, ids []string, need map[string][]*Record) error {
	each := cost(e.prices, lusha.ActionRevealCompany, 1)
	granted, release, err := e.reserve(ctx, each*len(ids))
	if err != nil {
		return err
	}
	defer release()
	paid := len(ids)
	if each > 0 {
		paid = min(paid, granted/each)
	}
	for _, id := range ids[paid:] {
		e.hold(need[id], errBudgetSpent)
	}
	ids = ids[:paid]
	if len(ids) == 0 {
		return nil
	}
	resp, err := e.rn.Lusha.EnrichCompanies(ctx, lusha.CompaniesEnrichRequest{IDs: ids})
	if err != nil {
		if react.Of(err).Record == react.Split {
			return nil // a company refused (malformed or restricted): its fields get no value
		}
		var waiting []*Record
		for _, id := range ids {
			waiting = append(waiting, need[id]...)
		}
		return e.callFailed(ctx, waiting, err)
	}
	now := e.rn.now()
	var ens []state.Enrichment
	for _, res := range resp.Results {
		if res.Error != nil || need[res.ID] == nil {
			continue // no company answer: company fields get no value
		}
		doc, err := toDoc(res)
		if err != nil {
			continue
		}
		en := state.Enrichment{Key: companyKey(res.ID), Outcome: state.OutcomeMatched, LushaID: res.ID,
			FetchedAt: now, ExpiresAt: now.Add(e.rn.p.CacheTTL), Credits: each}
		en.Answer, _ = json.Marshal(doc)
		ens = append(ens, en)
		ens = append(ens, e.domainEntry(res.ID, res.Domain, now)...)
		for _, r := range need[res.ID] {
			r.firm = doc
		}
	}
	return e.persist(ctx, "companies/enrich", resp.Billing.CreditsCharged, ens)
}
