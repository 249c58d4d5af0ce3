package run

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

	"github.com/leadsync/leadsync/connector/react"
	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/lusha"
	"github.com/leadsync/leadsync/state"
)

var errBudgetSpent = &crm.Error{Service: "leadsync", Op: "budget", Class: crm.ClassCredits,
	Message: "credit budget spent"}

// errSplit asks for a refused call to be made again in halves: Lusha refuses a whole
// batch for one malformed item (400) or one GDPR-restricted person (451) without
// naming it, and the halves find it, so that one record never holds back the others.
var errSplit = errors.New("lusha refused the batch; splitting it")

// reserve books credits within the account's budgets, what the account has left (from
// the run's pre-flight check) and --max-credits.
func (e *enricher) reserve(ctx context.Context, want int) (int, func(), error) {
	rn := e.rn
	if rn.accountLeft >= 0 {
		want = min(want, max(0, int(rn.accountLeft)-rn.spent))
	}
	if rn.opts.MaxCredits > 0 {
		want = min(want, max(0, rn.opts.MaxCredits-rn.spent))
	}
	if rn.refreshing.shared() {
		want = min(want, rn.refreshing.left)
	}
	return rn.Lusha.Reserve(ctx, rn.spent, want, rn.now())
}

// search looks up contacts, 100 a call, at the account's search price.
func (e *enricher) search(ctx context.Context, recs []*Record) error {
	return e.buy(ctx, recs, e.searchCost, e.searchChunk)
}

// searchAndEnrich looks up and enriches contacts in one call each 100, within the
// budget at the account's worst-case prices (the exact price is unknown before the call).
func (e *enricher) searchAndEnrich(ctx context.Context, recs []*Record) error {
	worst := e.worstReveal()
	return e.buy(ctx, recs, func(n int) int { return e.searchCost(n) + n*worst }, e.searchAndEnrichChunk)
}

// buy makes one Lusha call per 100 records, each within what the budget grants at the
// call's worst-case cost; records beyond the grant wait (credits). A call Lusha
// refuses for one malformed item is made again in halves.
func (e *enricher) buy(ctx context.Context, recs []*Record, cost func(n int) int, do func(context.Context, []*Record) error) error {
	for start := 0; start < len(recs); start += lusha.MaxBatch {
		chunk := recs[start:min(start+lusha.MaxBatch, len(recs))]
		granted, release, err := e.reserve(ctx, cost(len(chunk)))
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
			err = splitRetry(chunk[:n], func(half []*Record) error { return e.buy(ctx, half, cost, do) })
		}
		if err != nil {
			return err
		}
		if n < len(chunk) {
			e.hold(recs[start+n:], errBudgetSpent)
			return nil
		}
	}
	return nil
}

func splitRetry(chunk []*Record, again func([]*Record) error) error {
	half := len(chunk) / 2
	if err := again(chunk[:half]); err != nil {
		return err
	}
	return again(chunk[half:])
}

// searchItems are the Lusha items of a chunk, and the records by the reference Lusha
// echoes back (the CRM record id).
func searchItems(chunk []*Record) ([]lusha.ContactSearchItem, map[string]*Record) {
	items := make([]lusha.ContactSearchItem, len(chunk))
	byRef := make(map[string]*Record, len(chunk))
	for i, r := range chunk {
		items[i] = r.item
		byRef[r.rec.ID] = r
	}
	return items, byRef
}

func (e *enricher) searchChunk(ctx context.Context, chunk []*Record) error {
	items, byRef := searchItems(chunk)
	resp, err := e.rn.Lusha.SearchContacts(ctx, lusha.ContactsSearchRequest{Contacts: items})
	if err != nil {
		return e.callFailed(ctx, chunk, err)
	}
	now := e.rn.now()
	return answered(ctx, e, chunk, byRef, resp.Results, func(res lusha.ContactPreview) string { return res.ClientReferenceID },
		func(r *Record, res lusha.ContactPreview) []state.Enrichment {
			return listOf(e.previewOutcome(r, res, now))
		},
		"contacts/search", resp.Billing.CreditsCharged)
}

// answered applies the results of a search call to the records they name (by the
// reference Lusha echoes), parks the records it left out, and persists what to cache:
// what outcome returns for each result.
func answered[R any](ctx context.Context, e *enricher, chunk []*Record, byRef map[string]*Record, results []R,
	ref func(R) string, outcome func(*Record, R) []state.Enrichment, call string, credits int) error {
	var ens []state.Enrichment
	for _, res := range results {
		r := byRef[ref(res)]
		if r == nil {
			continue
		}
		delete(byRef, ref(res))
		ens = append(ens, outcome(r, res)...)
	}
	for _, r := range byRef {
		r.set(Parked, crm.ClassUnavailable, "Lusha returned no result for this record")
	}
	ens, err := e.dropForgotten(ctx, chunk, ens)
	if err != nil {
		return err
	}
	return e.persist(ctx, call, credits, ens)
}

// listOf is the answer to cache as a list: none for nil.
func listOf(en *state.Enrichment) []state.Enrichment {
	if en == nil {
		return nil
	}
	return []state.Enrichment{*en}
}

// previewOutcome applies one search result to its record and returns what to cache.
func (e *enricher) previewOutcome(r *Record, res lusha.ContactPreview, now time.Time) *state.Enrichment {
	en := &state.Enrichment{Key: r.key, FetchedAt: now}
	if res.Error != nil {
		switch res.Error.Code {
		case lusha.ItemNotFound:
			en.Outcome, en.ExpiresAt = state.OutcomeNoMatch, now.Add(e.rn.NegativeTTL)
			r.set(Skipped, crm.ClassNoMatch, "Lusha has no match")
		case lusha.ItemComplianceRestricted:
			en.Outcome, en.ExpiresAt = state.OutcomeRestricted, now.Add(100*365*24*time.Hour)
			r.set(Skipped, crm.ClassRestricted, "restricted by Lusha (compliance)")
			e.restricted = append(e.restricted, r.key)
		default:
			r.set(Parked, crm.ClassUnavailable, fmt.Sprintf("Lusha: %s: %s", res.Error.Code, res.Error.Message))
			return nil
		}
		return en
	}
	doc, err := toDoc(res)
	if err != nil {
		r.set(Parked, crm.ClassInvalid, "Lusha answer: "+err.Error())
		return nil
	}
	r.contact, r.lushaID = doc, res.ID
	r.cached = nil
	en.Outcome, en.LushaID, en.ExpiresAt = state.OutcomeMatched, res.ID, now.Add(e.rn.p.CacheTTL)
	en.Answer, _ = json.Marshal(doc)
	return en
}

func (e *enricher) searchAndEnrichChunk(ctx context.Context, chunk []*Record) error {
	reveal := []string{lusha.RevealEmails, lusha.RevealPhones}
	items, byRef := searchItems(chunk)
	resp, err := e.rn.Lusha.SearchAndEnrichContacts(ctx, lusha.ContactsSearchAndEnrichRequest{Contacts: items, Reveal: reveal})
	if err != nil {
		return e.callFailed(ctx, chunk, err)
	}
	now := e.rn.now()
	ranOut := resp.CreditsError()
	var unpaid []*Record
	err = answered(ctx, e, chunk, byRef, resp.Results, func(res lusha.EnrichedContact) string { return res.ClientReferenceID },
		func(r *Record, res lusha.EnrichedContact) []state.Enrichment {
			unbilled := res.Unbilled(reveal, ranOut != nil)
			if len(unbilled) > 0 {
				unpaid = append(unpaid, r)
			}
			return listOf(e.enrichedOutcome(r, res, reveal, unbilled, 0, now))
		},
		"contacts/search-and-enrich", resp.Billing.CreditsCharged)
	e.leaveUnpaid(unpaid, ranOut)
	return err
}

// enrichedOutcome applies one enriched contact to its record, over the preview the
// record already holds if any, and returns what to cache: the data points asked for
// (want) are revealed but for those Lusha could not bill, which a later run buys.
func (e *enricher) enrichedOutcome(r *Record, res lusha.EnrichedContact, want, unbilled []string, credits int, now time.Time) *state.Enrichment {
	if res.Error != nil {
		return e.previewOutcome(r, lusha.ContactPreview{Error: res.Error}, now)
	}
	doc, err := toDoc(res)
	if err != nil {
		r.set(Parked, crm.ClassInvalid, "Lusha answer: "+err.Error())
		return nil
	}
	delete(doc, "missingDataPoints") // about this call, not about the person
	if r.contact != nil {
		doc = mergeDoc(r.contact, doc)
	}
	markAvailable(doc, unbilled)
	revealed := slices.Clone(r.revealed())
	for _, dp := range want {
		if !slices.Contains(unbilled, dp) {
			revealed = appendUnique(revealed, dp)
		}
	}
	slices.Sort(revealed)
	r.contact, r.lushaID = doc, cmp.Or(r.lushaID, res.ID)
	e.rn.refreshedOne(r)
	r.cached = &state.Enrichment{Key: r.key, Outcome: state.OutcomeMatched, LushaID: r.lushaID,
		Revealed: revealed, FetchedAt: now, ExpiresAt: now.Add(e.rn.p.CacheTTL), Credits: credits}
	r.cached.Answer, _ = json.Marshal(doc)
	return r.cached
}

// callFailed decides, by the reaction table, what a failed Lusha call means for its
// records.
func (e *enricher) callFailed(ctx context.Context, chunk []*Record, err error) error {
	class := crm.ClassOf(err)
	switch react.For(class).Record {
	case react.Split:
		if len(chunk) > 1 {
			return errSplit
		}
		if class == crm.ClassRestricted {
			// The one person asked about is restricted: suppressed, never asked again.
			en := e.previewOutcome(chunk[0], lusha.ContactPreview{Error: &lusha.ItemError{
				Code: lusha.ItemComplianceRestricted, Message: "restricted (HTTP 451)"}}, e.rn.now())
			return e.persist(ctx, "contacts (451)", 0, []state.Enrichment{*en})
		}
		// One record's request was refused as malformed: park it with the reason
		// rather than stopping the run for everyone.
		for _, r := range chunk {
			r.set(Parked, class, err.Error())
		}
		return nil
	case react.Park, react.Done:
		for _, r := range chunk {
			r.set(Parked, class, err.Error())
		}
		return nil
	}
	e.hold(chunk, err)
	return nil
}

// persist stores answers and their cost before anything uses them (I2), and the
// restricted identities found meanwhile.
func (e *enricher) persist(ctx context.Context, callName string, credits int, ens []state.Enrichment) error {
	rn := e.rn
	if rn.refreshing.shared() {
		callName += RefreshCall
	}
	spend := state.Spend{Pipeline: rn.p.Name, RunID: rn.id, Call: callName, Credits: credits, At: rn.now()}
	// A call that went out is paid for whatever happens to the run: its record must
	// land even when shutdown cancelled ctx.
	saveCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := rn.Store.SaveEnrichments(saveCtx, spend, ens); err != nil {
		return fmt.Errorf("persist Lusha answers: %w", err)
	}
	rn.spent += credits
	rn.refreshSpent(credits)
	for _, key := range e.restricted {
		if err := rn.Store.Suppress(saveCtx, key, "lusha: compliance restricted", rn.now()); err != nil {
			return err
		}
	}
	e.restricted = e.restricted[:0]
	return nil
}

// revealed lists the data points already bought for a record's contact.
func (r *Record) revealed() []string {
	if r.cached != nil {
		return r.cached.Revealed
	}
	return nil
}

// wanted is what must be revealed for this record: the data points some field needs
// and the person has. When a field reads an enriched-only part of the profile, the
// cheapest data point the person has is bought to get it.
func (r *Record) wanted() []string {
	has := docStrings(r.contact, "has")
	var want []string
	for _, dp := range r.reveal {
		if slices.Contains(has, dp) {
			want = append(want, dp)
		}
	}
	if r.enrich && len(want) == 0 {
		for _, dp := range []string{lusha.RevealEmails, lusha.RevealPhones} {
			if slices.Contains(has, dp) {
				want = append(want, dp)
				break
			}
		}
	}
	for _, dp := range want {
		if !slices.Contains(r.revealed(), dp) {
			return want
		}
	}
	return nil
}

// revealCost is what enriching a contact for these data points costs, from the
// preview's canReveal (0 for data points the account already revealed), else at the
// account's prices.
func (e *enricher) revealCost(contact map[string]any, want []string) int {
	price := map[string]int{}
	for dp, action := range revealAction {
		price[dp] = cost(e.prices, action, 1)
	}
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
func (e *enricher) reveal(ctx context.Context, recs []*Record) error {
	groups := map[string][]*Record{}
	for _, r := range recs {
		if want := r.wanted(); len(want) > 0 {
			k := strings.Join(want, ",")
			groups[k] = append(groups[k], r)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(groups)) {
		for chunk := range slices.Chunk(groups[k], lusha.MaxBatch) {
			if err := e.revealChunk(ctx, chunk, strings.Split(k, ",")); err != nil {
				return err
			}
		}
	}
	return nil
}

// dropForgotten keeps the answers about a person who asked to be forgotten from being
// used or kept, when the person came back under another identity (another email, the
// same name and company): `leadsync forget` suppressed the Lusha person id too. The
// new identity is suppressed as well, so that it is not even searched again.
func (e *enricher) dropForgotten(ctx context.Context, recs []*Record, ens []state.Enrichment) ([]state.Enrichment, error) {
	var keys []string
	for _, r := range recs {
		if r.contact != nil && r.lushaID != "" {
			keys = append(keys, state.LushaKey(r.lushaID))
		}
	}
	if len(keys) == 0 {
		return ens, nil
	}
	forgotten, err := e.rn.Store.SuppressedMany(ctx, keys)
	if err != nil {
		return nil, err
	}
	gone := map[string]bool{}
	for _, r := range recs {
		if r.contact != nil && forgotten[state.LushaKey(r.lushaID)] {
			r.contact, r.cached, r.lushaID = nil, nil, ""
			r.set(Skipped, crm.ClassRestricted, "suppressed: this person asked to be forgotten")
			e.restricted = append(e.restricted, r.key)
			gone[r.key] = true
		}
	}
	return slices.DeleteFunc(ens, func(en state.Enrichment) bool { return gone[en.Key] }), nil
}
