package run

import "github.com/leadsync/leadsync/lusha"

// revealAction is the pricing action of each contact data point (reference §4).
var revealAction = map[string]string{lusha.RevealEmails: lusha.ActionRevealEmail, lusha.RevealPhones: lusha.ActionRevealPhone}

// prices are the account's prices (reference §4: `pricing` of the usage answer), with
// Lusha's list prices for what the account's list does not price or before it is known.
func (rn *run) prices() lusha.Pricing { return rn.Lusha.Pricing().Or(lusha.ListPricing) }

// cost is what n units of action cost at prices; every action a run buys is on the
// list prices, so it always has one.
func cost(prices lusha.Pricing, action string, n int) int {
	c, _ := prices.Cost(action, n)
	return c
}

// searchCost is what a search that finds n contacts costs.
func (e *enricher) searchCost(n int) int { return cost(e.prices, lusha.ActionSearch, n) }

// worstReveal is the most a contact's reveals can cost: every data point, at price.
func (e *enricher) worstReveal() int {
	return cost(e.prices, lusha.ActionRevealEmail, 1) + cost(e.prices, lusha.ActionRevealPhone, 1)
}

// estimate is what buying a record's answer would cost at the account's prices: its
// share of a search (a search of one contact; in a batch the block is shared) unless
// the cache knows its Lusha id, and each data point and company answer its fields need.
func (rn *run) estimate(r *Record) int {
	prices := rn.prices()
	credits := 0
	if r.lushaID == "" {
		credits = cost(prices, lusha.ActionSearch, 1)
	}
	for _, dp := range r.reveal {
		credits += cost(prices, revealAction[dp], 1)
	}
	if r.company {
		credits += cost(prices, lusha.ActionRevealCompany, 1)
	}
	return credits
}
