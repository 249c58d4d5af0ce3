package run

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/leadsync/leadsync/lusha"
	"github.com/leadsync/leadsync/mapping"
	"github.com/leadsync/leadsync/state"
)

// companyRecords gets the answers of a company pipeline's records in two steps, each
// bought once across pipelines and processes: the Lusha company id of each identity
// (cached from an earlier search, or searched now), then the company answer under that
// id, the company:<id> answer people pipelines read and write too.
func (e *enricher) companyRecords(ctx context.Context, leaders []*Record) error {
	needsID := func(r *Record) bool { return r.lushaID == "" }
	if err := e.buyOnce(ctx, leaders, needsID, e.findCompanies); err != nil {
		return err
	}
	need := map[string][]*Record{}
	for _, r := range leaders {
		if r.status == Planned && r.firm == nil && r.lushaID != "" {
			need[r.lushaID] = append(need[r.lushaID], r)
		}
	}
	return e.companyAnswers(ctx, need)
}

// findCompanies identifies companies to Lusha. A company searched by domain whose
// domain is not in the cache is unknown here: no pipeline bought it under that domain
// (people pipelines cache the domain of every company they buy), so one
// search-and-enrich call finds and buys it, for the credits of a search and an enrich.
// A company known only by name may be one bought under its domain: a search finds its
// id, and only ids not in the cache are enriched.
func (e *enricher) findCompanies(ctx context.Context, recs []*Record) error {
	byDomain := func(r *Record) bool { return r.item.CompanyDomain != "" }
	each := cost(e.prices, lusha.ActionRevealCompany, 1)
	if err := e.buy(ctx, keep(recs, byDomain), func(n int) int { return e.searchCost(n) + n*each },
		e.companySearchAndEnrichChunk); err != nil {
		return err
	}
	return e.buy(ctx, keep(recs, func(r *Record) bool { return !byDomain(r) }), e.searchCost, e.companySearchChunk)
}

// companyItems are the search items of a chunk of company records, and the records by
// the reference Lusha echoes back (the CRM record id).
func companyItems(chunk []*Record) ([]lusha.CompanySearchItem, map[string]*Record) {
	items := make([]lusha.CompanySearchItem, len(chunk))
	byRef := make(map[string]*Record, len(chunk))
	for i, r := range chunk {
		items[i] = companyItem(r)
		byRef[r.rec.ID] = r
	}
	return items, byRef
}

func (e *enricher) companySearchChunk(ctx context.Context, chunk []*Record) error {
	items, byRef := companyItems(chunk)
	resp, err := e.rn.Lusha.SearchCompanies(ctx, lusha.CompaniesSearchRequest{Companies: items})
	if err != nil {
		return e.callFailed(ctx, chunk, err)
	}
	now := e.rn.now()
	return answered(ctx, e, chunk, byRef, resp.Results, func(res lusha.CompanyPreview) string { return res.ClientReferenceID },
		func(r *Record, res lusha.CompanyPreview) []state.Enrichment {
			return listOf(e.companyFound(r, res.Error, res.ID, res, now))
		},
		"companies/search", resp.Billing.CreditsCharged)
}

func (e *enricher) companySearchAndEnrichChunk(ctx context.Context, chunk []*Record) error {
	items, byRef := companyItems(chunk)
	resp, err := e.rn.Lusha.SearchAndEnrichCompanies(ctx, lusha.CompaniesSearchAndEnrichRequest{Companies: items})
	if err != nil {
		return e.callFailed(ctx, chunk, err)
	}
	now := e.rn.now()
	each := cost(e.prices, lusha.ActionRevealCompany, 1)
	return answered(ctx, e, chunk, byRef, resp.Results, func(res lusha.EnrichedCompany) string { return res.ClientReferenceID },
		func(r *Record, res lusha.EnrichedCompany) []state.Enrichment {
			found := e.companyFound(r, res.Error, res.ID, res, now)
			if found == nil || r.lushaID == "" {
				return listOf(found) // no match, restricted, or parked
			}
			full := e.companyEntry(res.ID, found.Answer, each, now)
			r.firm, _ = decodeDoc(full.Answer)
			return append([]state.Enrichment{*found, full}, e.domainEntry(res.ID, res.Domain, now)...)
		},
		"companies/search-and-enrich", resp.Billing.CreditsCharged)
}

// companyFound applies one company search result to its record and returns what to
// cache under the record's identity: the Lusha company id (and the answer as found), or
// the verdict (no match: the negative cache).
func (e *enricher) companyFound(r *Record, itemErr *lusha.ItemError, id string, answer any, now time.Time) *state.Enrichment {
	if itemErr != nil {
		return e.previewOutcome(r, lusha.ContactPreview{Error: itemErr}, now)
	}
	doc, err := toDoc(answer)
	if err != nil || id == "" {
		return e.previewOutcome(r, lusha.ContactPreview{Error: &lusha.ItemError{Code: "INVALID_ANSWER",
			Message: "the company answer has no id"}}, now)
	}
	r.lushaID = id
	r.cached = &state.Enrichment{Key: r.key, Outcome: state.OutcomeMatched, LushaID: id, FetchedAt: now,
		ExpiresAt: now.Add(e.rn.p.CacheTTL)}
	r.cached.Answer, _ = json.Marshal(doc)
	return r.cached
}

// companyEntry is the company answer cached under its Lusha id, as people pipelines
// read it.
func (e *enricher) companyEntry(id string, answer []byte, credits int, now time.Time) state.Enrichment {
	return state.Enrichment{Key: companyKey(id), Outcome: state.OutcomeMatched, LushaID: id, Answer: answer,
		FetchedAt: now, ExpiresAt: now.Add(e.rn.p.CacheTTL), Credits: credits}
}

// domainEntry caches a bought company's domain as a search of it would answer (the
// Lusha company id), so that a company record with that domain needs no search, and no
// credits, for a company a people pipeline bought.
func (e *enricher) domainEntry(id, domain string, now time.Time) []state.Enrichment {
	key := mapping.CompanyIdentity{Domain: domain}.Key()
	if key == "" || id == "" {
		return nil
	}
	answer, _ := json.Marshal(map[string]string{"id": id, "domain": domain})
	return []state.Enrichment{{Key: key, Outcome: state.OutcomeMatched, LushaID: id, Answer: answer,
		FetchedAt: now, ExpiresAt: now.Add(e.rn.p.CacheTTL)}}
}

// companyAnswers attaches the company answer of each Lusha company id to the records
// that need it: from the cache (read once for the page), else bought with
// companies/enrich once across pipelines and processes (single flight on company:<id>).
func (e *enricher) companyAnswers(ctx context.Context, need map[string][]*Record) error {
	if len(need) == 0 {
		return nil
	}
	missing, err := e.cachedCompanies(ctx, need)
	for round := 0; err == nil && len(missing) > 0 && e.mayBuy(recordsOf(need, missing)); round++ {
		if round == 2 {
			e.hold(recordsOf(need, missing), errBoughtElsewhere)
			break
		}
		missing, err = e.enrichCompaniesOnce(ctx, missing, need)
	}
	return err
}

// enrichCompaniesOnce enriches the companies of ids whose claim this run takes and
// waits for those another pipeline or process is buying. It returns the ids still
// missing: their buyer elsewhere ended without an answer.
func (e *enricher) enrichCompaniesOnce(ctx context.Context, ids []string, need map[string][]*Record) ([]string, error) {
	flight, err := e.rn.Lusha.Claim(ctx, companyKeys(ids))
	if err != nil {
		return nil, err
	}
	var mine, others []string
	for _, id := range ids {
		if slices.Contains(flight.Mine(), companyKey(id)) {
			mine = append(mine, id)
		} else {
			others = append(others, id)
		}
	}
	// The answer may have been saved between the first read and the claim (I2).
	if mine, err = e.cachedCompanies(ctx, pick(need, mine)); err == nil {
		if lost := e.rn.lease.check(); lost != nil {
			e.hold(recordsOf(need, mine), lost)
			mine = nil
		}
		buyCtx, cancel := flight.Context(ctx)
		for chunk := range slices.Chunk(mine, lusha.MaxBatch) {
			if err = e.companyChunk(buyCtx, chunk, need); err != nil {
				break
			}
		}
		cancel()
	}
	flight.Release()
	if err != nil || len(others) == 0 {
		return nil, err
	}
	waitCtx, cancel := context.WithTimeout(ctx, maxWaitForOthers)
	defer cancel()
	if err := e.rn.Lusha.Wait(waitCtx, companyKeys(others)); err != nil {
		e.hold(recordsOf(need, others), errBoughtElsewhere)
		return nil, nil
	}
	return e.cachedCompanies(ctx, pick(need, others))
}

func companyKeys(ids []string) []string {
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = companyKey(id)
	}
	return keys
}

func recordsOf(need map[string][]*Record, ids []string) []*Record {
	var out []*Record
	for _, id := range ids {
		out = append(out, need[id]...)
	}
	return out
}

func pick(need map[string][]*Record, ids []string) map[string][]*Record {
	out := make(map[string][]*Record, len(ids))
	for _, id := range ids {
		out[id] = need[id]
	}
	return out
}
