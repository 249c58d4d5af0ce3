package config

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"
)

// CRM kinds leadsync has adapters for.
var crmKinds = []string{"hubspot", "salesforce"}

func (c *Config) validate() Errors {
	var errs Errors
	bad := func(msg string, path ...string) { errs = append(errs, c.ErrorAt(msg, path...)) }
	c.checkState(bad)
	c.checkWebhook(bad)
	if c.History.KeepRuns < 24*time.Hour {
		bad("must be at least 24h: the daily credit budget sums the day's spend", "history", "keep_runs")
	}
	if c.History.KeepLedger < 0 {
		bad("must not be negative (0s keeps only the latest row of each field)", "history", "keep_ledger")
	}
	if c.History.DeletedEvery < time.Minute {
		bad("must be at least 1m: each pass reads the CRM's whole deletion feed", "history", "deleted_every")
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		bad("must be debug, info, warn or error", "log", "level")
	}
	switch c.Log.Format {
	case "auto", "text", "json":
	default:
		bad("must be auto, text or json", "log", "format")
	}
	if c.ShutdownGrace <= 0 {
		bad("must be positive", "shutdown_grace")
	}
	if c.LeaseTTL < 3*time.Second {
		bad("must be at least 3s", "lease_ttl")
	}
	if c.Retry.Base <= 0 || c.Retry.Max < c.Retry.Base {
		bad("base must be positive and max at least base", "retry")
	}
	if c.Lusha.APIKey == "" {
		bad("is required, as ${env:NAME} or ${file:PATH}", "lusha", "api_key")
	}
	for _, s := range c.secretRefs() {
		if err := s.ref.Validate(); err != nil {
			bad(err.Error(), s.path...)
		}
	}
	if c.Lusha.Rate.PerSecond <= 0 {
		bad("must be positive", "lusha", "rate", "per_second")
	}
	if c.Lusha.Budget.CreditsPerDay < 0 || c.Lusha.Budget.CreditsPerRun < 0 {
		bad("budgets must not be negative (0 means no cap)", "lusha", "budget")
	}
	if s := c.Lusha.Budget.RefreshShare; s < 0 || s > 1 {
		bad("must be between 0 and 1", "lusha", "budget", "refresh_share")
	}
	if c.Lusha.Subscriptions.Max < 0 {
		bad("must not be negative (0 leaves it to Lusha's limit)", "lusha", "subscriptions", "max")
	}
	if c.Lusha.Breaker.Failures < 1 {
		bad("must be at least 1", "lusha", "breaker", "failures")
	}
	for _, name := range slices.Sorted(maps.Keys(c.CRMs)) {
		crm := c.CRMs[name]
		if !slices.Contains(crmKinds, crm.Kind) {
			bad(fmt.Sprintf("kind %s is not one of %v", quote(crm.Kind), crmKinds), "crms", name, "kind")
		}
		if crm.Tier != "" && !slices.Contains([]string{"free", "starter", "professional", "enterprise", "public_app"}, crm.Tier) {
			bad(fmt.Sprintf("tier %s is not free, starter, professional, enterprise or public_app", quote(crm.Tier)), "crms", name, "tier")
		}
		if crm.Overlap != nil && *crm.Overlap < 0 {
			bad("must not be negative", "crms", name, "overlap")
		}
		if crm.SettleLag != nil && *crm.SettleLag < 0 {
			bad("must not be negative", "crms", name, "settle_lag")
		}
		if crm.Lookback != nil && *crm.Lookback < 0 {
			bad("must not be negative", "crms", name, "lookback")
		}
		if crm.Kind == "hubspot" && crm.Lookback != nil {
			bad("lookback is Salesforce's; a HubSpot read looks back by overlap", "crms", name, "lookback")
		}
		switch {
		case crm.Kind == "hubspot" && crm.Token == "" && crm.ClientID == "":
			bad("a HubSpot account needs a token, or client_id, client_secret and refresh_token for OAuth", "crms", name)
		case crm.Kind == "hubspot" && crm.ClientID != "" && (crm.ClientSecret == "" || crm.RefreshToken == ""):
			bad("HubSpot OAuth needs client_secret and refresh_token too", "crms", name)
		case crm.Kind == "salesforce" && crm.ClientID == "":
			bad("a Salesforce account needs a client_id", "crms", name)
		case crm.Kind == "salesforce" && crm.PrivateKeyFile != "" && crm.Username == "":
			bad("the JWT bearer flow needs the username to act as", "crms", name, "username")
		}
	}
	seen := map[string]bool{}
	for i, p := range c.Pipelines {
		at := func(key string) []string { return []string{"pipelines", strconv.Itoa(i), key} }
		switch {
		case p.Name == "":
			bad("a pipeline needs a name", at("name")...)
		case seen[p.Name]:
			bad(fmt.Sprintf("pipeline %s is defined twice", quote(p.Name)), at("name")...)
		}
		seen[p.Name] = true
		if _, ok := c.CRMs[p.CRM]; !ok {
			bad(fmt.Sprintf("crm %s is not defined under crms", quote(p.CRM)), at("crm")...)
		}
		if p.Object == "" {
			bad("must name the CRM object (e.g. contacts)", at("object")...)
		} else if msg := companyObjectProblem(c.CRMs[p.CRM].Kind, p.Object); msg != "" {
			bad(msg, at("object")...)
		}
		if p.Mapping == "" {
			bad("must name a mapping file", at("mapping")...)
		}
		if _, err := ParseSchedule(p.Schedule); err != nil {
			bad(err.Error(), at("schedule")...)
		}
		if p.CacheTTL < 0 {
			bad("must not be negative", at("cache_ttl")...)
		}
		c.checkCompanyRecord(i, p, bad)
		c.checkSignals(i, p, bad)
		c.checkRefresh(i, p, bad)
	}
	return errs
}

// keyOf names a checked path the way the key walk does (pipelines[0].crm); pipelines
// is the only list the checks address.
func keyOf(path []string) string {
	key := ""
	for i, p := range path {
		switch {
		case i > 0 && path[i-1] == "pipelines":
			key += "[" + p + "]"
		case i > 0:
			key += "." + p
		default:
			key = p
		}
	}
	return key
}
