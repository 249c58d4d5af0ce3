package config

import (
	"fmt"
	"slices"
	"strconv"
)

// Signals are the Lusha signal types a pipeline subscribes the people and
// companies it enriched to (delivered to lusha.webhook.public_url).
type Signals struct {
	Contact []string `koanf:"contact"` // of the people a people pipeline wrote
	// Company: of the companies a company pipeline wrote, or the company records
	// a people pipeline's company_record wrote.
	Company []string `koanf:"company"`
}

// On tells whether the pipeline subscribes to any signal.
func (s *Signals) On() bool { return s != nil && len(s.Contact)+len(s.Company) > 0 }

// Subscriptions bound the signal subscriptions leadsync keeps.
type Subscriptions struct {
	// Max is the most subscriptions the account may hold, leadsync's and others'
	// (the account's plan limit, or less); 0 leaves it to Lusha's limit.
	Max int `koanf:"max"`
}

// ContactSignalTypes and CompanySignalTypes are the signal types Lusha documents
// (GET /v3/contacts/signals/types, /v3/companies/signals/types).
var (
	ContactSignalTypes = []string{"allSignals", "promotion", "companyChange"}
	CompanySignalTypes = []string{"allSignals", "linkedinActivityIntent", "websiteTrafficDecrease",
		"websiteTrafficIncrease", "itSpendIncrease", "itSpendDecrease", "surgeInHiring", "headcountIncrease1m",
		"headcountIncrease3m", "headcountIncrease6m", "headcountIncrease12m", "headcountDecrease1m",
		"headcountDecrease3m", "headcountDecrease6m", "headcountDecrease12m", "surgeInHiringByDepartment",
		"surgeInHiringByLocation", "riskNews", "commercialActivityNews", "corporateStrategyNews",
		"financialEventsNews", "peopleNews", "marketIntelligenceNews", "productActivityNews"}
)

// checkSignals checks pipelines[i].signals and lusha.subscriptions.
func (c *Config) checkSignals(i int, p Pipeline, bad func(msg string, path ...string)) {
	if !p.Signals.On() {
		return
	}
	at := func(key ...string) []string {
		return append([]string{"pipelines", strconv.Itoa(i), "signals"}, key...)
	}
	if !c.Lusha.Webhook.Enabled() {
		bad("signals arrive through the webhook receiver: set lusha.webhook.listen and public_url", at()...)
	}
	company := p.Object == CompanyObject(c.CRMs[p.CRM].Kind)
	check := func(key string, types, known []string) {
		for j, t := range types {
			if !slices.Contains(known, t) {
				bad(fmt.Sprintf("%s is not a %s signal type (%v)", quote(t), key, known), at(key, strconv.Itoa(j))...)
			}
		}
	}
	check("contact", p.Signals.Contact, ContactSignalTypes)
	check("company", p.Signals.Company, CompanySignalTypes)
	switch {
	case company && len(p.Signals.Contact) > 0:
		bad("a company pipeline enriches no people: use company", at("contact")...)
	case !company && len(p.Signals.Company) > 0 && !p.CompanyRecord.On():
		bad("a people pipeline knows its people's companies only through company_record (write: true)", at("company")...)
	}
}
