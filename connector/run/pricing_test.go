package run

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/leadsync/leadsync/lusha"
)

// pricedAccount is a Lusha account of which a test uses only the prices.
type pricedAccount struct {
	Lusha
	pricing lusha.Pricing
}

func (a pricedAccount) Pricing() lusha.Pricing { return a.pricing }

func runWithPrices(p lusha.Pricing) *run {
	r := &Runner{Lusha: pricedAccount{pricing: p}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	return newRun(r, &Pipeline{Name: "p"}, Options{DryRun: true}, time.Now())
}

// A dry run's estimate is at the account's prices (reference §4, §5.15), each action
// the account does not price at Lusha's list price.
func TestEstimateIsAtTheAccountsPrices(t *testing.T) {
	everything := &Record{reveal: []string{lusha.RevealEmails, lusha.RevealPhones}, company: true}
	phones := &Record{reveal: []string{lusha.RevealPhones}}
	account := lusha.Pricing{lusha.ActionRevealPhone: {Credits: 3, PerQuantity: 1},
		lusha.ActionRevealCompany: {Credits: 2, PerQuantity: 1}, lusha.ActionSearch: {Credits: 1, PerQuantity: 50}}
	for _, tt := range []struct {
		name    string
		pricing lusha.Pricing
		r       *Record
		want    int
	}{
		{"account prices", account, everything, 1 + 1 + 3 + 2}, // email unpriced: the list's 1
		{"account prices, phones only", account, phones, 1 + 3},
		{"unknown prices", nil, everything, 1 + 1 + 5 + 1},
	} {
		if got := runWithPrices(tt.pricing).estimate(tt.r); got != tt.want {
			t.Errorf("%s: estimate %d, want %d", tt.name, got, tt.want)
		}
	}
}
