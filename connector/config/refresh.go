package config

import (
	"strconv"
	"time"
)

// DefaultRefreshShare is the share of lusha.budget.credits_per_day that scheduled
// refreshes (refresh_after) may spend, when refresh_share is not set.
const DefaultRefreshShare = 0.2

// checkRefresh checks pipelines[i].refresh_after: a refresh spends in the
// background, so it needs a daily budget to take its share of.
func (c *Config) checkRefresh(i int, p Pipeline, bad func(msg string, path ...string)) {
	if p.RefreshAfter == 0 {
		return
	}
	at := []string{"pipelines", strconv.Itoa(i), "refresh_after"}
	switch {
	case p.RefreshAfter < 24*time.Hour:
		bad("must be at least 24h (or 0: no refresh)", at...)
	case p.Object == CompanyObject(c.CRMs[p.CRM].Kind):
		bad("refreshes people; a company pipeline buys a company again when its cache_ttl ends", at...)
	case c.Lusha.Budget.CreditsPerDay == 0:
		bad("needs lusha.budget.credits_per_day: refreshes spend at most lusha.budget.refresh_share of it", at...)
	}
}

// RefreshCredits is the most credits scheduled refreshes may spend in a UTC day.
func (c *Config) RefreshCredits() int {
	return int(c.Lusha.Budget.RefreshShare * float64(c.Lusha.Budget.CreditsPerDay))
}
