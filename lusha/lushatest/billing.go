package lushatest

import (
	"net/http"
	"slices"
)

// bill is the plan of one call's charges, committed only if the account can pay.
type bill struct {
	acct    *account
	credits int
	items   []ChargedItem
	pending map[revealKey]bool
}

func newBill(acct *account) *bill { return &bill{acct: acct, pending: map[revealKey]bool{}} }

// revealed reports whether the account already owns k (or this call buys it).
func (b *bill) revealed(k revealKey) bool { return b.acct.revealed[k] || b.pending[k] }

// reveal adds the data points of one entity that are not owned yet, at their prices.
func (b *bill) reveal(entity, id string, fields []string, price func(field string) int) {
	item := ChargedItem{ID: id}
	for _, f := range fields {
		k := revealKey{entity: entity, id: id, field: f}
		if b.revealed(k) {
			continue // re-reveals are free
		}
		b.pending[k] = true
		item.DataPoints = append(item.DataPoints, f)
		item.Credits += price(f)
	}
	if len(item.DataPoints) > 0 {
		b.credits += item.Credits
		b.items = append(b.items, item)
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
// nothing when the account cannot pay the whole call. Callers hold s.mu.
func (s *Server) commit(w http.ResponseWriter, b *bill, endpoint string) bool {
	if b.credits > b.acct.remaining() {
		s.writeError(w, nil, http.StatusPaymentRequired, "")
		return false
	}
	b.acct.creditsUsed += b.credits
	for k := range b.pending {
		b.acct.revealed[k] = true
	}
	s.charges = append(s.charges, Charge{Account: b.acct.name, Endpoint: endpoint, Credits: b.credits, Items: b.items})
	return true
}
