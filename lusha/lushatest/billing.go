package lushatest

import (
	"net/http"
	"slices"

	"github.com/leadsync/leadsync/lusha"
)

// bill is the plan of one call's charges, committed only if the account can pay.
type bill struct {
	acct    *account
	credits int
	items   []ChargedItem
	pending map[revealKey]bool
	// partial bills data points while the credits last and leaves the rest unbilled
	// (short), instead of refusing the whole call.
	partial  bool
	short    bool
	unbilled []ChargedItem
}

func newBill(acct *account) *bill { return &bill{acct: acct, pending: map[revealKey]bool{}} }

// newContactBill is the bill of a contact enrich: partial unless Options.AllOrNothing.
func (s *Server) newContactBill(acct *account) *bill {
	b := newBill(acct)
	b.partial = !s.opts.AllOrNothing
	return b
}

// revealed reports whether the account already owns k (or this call buys it).
func (b *bill) revealed(k revealKey) bool { return b.acct.revealed[k] || b.pending[k] }

// reveal adds the data points of one entity that are not owned yet, at their prices.
// A partial bill that runs out of credits returns the fields it could not bill; from
// then on it bills nothing more, as credits that ran out mid-call do.
func (b *bill) reveal(entity, id string, fields []string, price func(field string) int) (unbilled []string) {
	item := ChargedItem{ID: id}
	for _, f := range fields {
		k := revealKey{entity: entity, id: id, field: f}
		if b.revealed(k) {
			continue // re-reveals are free
		}
		if b.partial && (b.short || b.credits+item.Credits+price(f) > b.acct.remaining()) {
			b.short = true
			unbilled = append(unbilled, f)
			continue
		}
		b.pending[k] = true
		item.DataPoints = append(item.DataPoints, f)
		item.Credits += price(f)
	}
	if len(item.DataPoints) > 0 {
		b.credits += item.Credits
		b.items = append(b.items, item)
	}
	if len(unbilled) > 0 {
		b.unbilled = append(b.unbilled, ChargedItem{ID: id, DataPoints: unbilled})
	}
	return unbilled
}

// status is the enrich status of a partial bill's answer: empty when everything asked
// for was billed (INFERENCE: the fake then omits it, as the spec's examples do).
func (b *bill) status() lusha.EnrichStatus {
	switch {
	case !b.short:
		return lusha.EnrichStatus{}
	case len(b.items) > 0:
		return lusha.EnrichStatus{Status: lusha.StatusPartialOutOfCredits}
	default:
		return lusha.EnrichStatus{Status: lusha.StatusOutOfCredits}
	}
}

// search adds the api_search price: one unit per started block of results.
func (b *bill) search(p Pricing, results int) {
	if results > 0 {
		b.credits += p.Search * ((results + p.SearchBlock - 1) / p.SearchBlock)
	}
}

// signals adds showSignals* credits: price per signal returned for one entity.
func (b *bill) signals(id string, price int, counts map[string]int) {
	item := ChargedItem{ID: id}
	for _, kind := range sortedKeys(counts) {
		if n := counts[kind]; n > 0 {
			item.DataPoints = append(item.DataPoints, kind)
			item.Credits += n * price
		}
	}
	if item.Credits > 0 {
		b.credits += item.Credits
		b.items = append(b.items, item)
	}
}

// perResult adds a price per returned result (lookalikes).
func (b *bill) perResult(ids []string, price int) {
	for _, id := range ids {
		if price > 0 {
			b.credits += price
			b.items = append(b.items, ChargedItem{ID: id, Credits: price})
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// commit charges the account and records the call, or answers 402 and charges
// nothing when the account cannot pay the whole call, or (a partial bill) has no
// credit left for what it asked: "Once your credit balance is exhausted, API calls
// that would consume credits return 402" (S3 faq/billing). Callers hold s.mu.
func (s *Server) commit(w http.ResponseWriter, b *bill, endpoint string) bool {
	if b.credits > b.acct.remaining() || (b.short && b.acct.remaining() == 0) {
		s.writeError(w, nil, http.StatusPaymentRequired, "")
		return false
	}
	s.charge(b, endpoint)
	return true
}

// charge books a bill the account can pay. Callers hold s.mu.
func (s *Server) charge(b *bill, endpoint string) {
	b.acct.creditsUsed += b.credits
	for k := range b.pending {
		b.acct.revealed[k] = true
	}
	s.charges = append(s.charges, Charge{Account: b.acct.name, Endpoint: endpoint, Credits: b.credits, Items: b.items,
		Unbilled: b.unbilled})
}
