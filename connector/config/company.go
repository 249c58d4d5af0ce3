package config

import (
	"fmt"
	"slices"
)

// CompanyRecord is a people pipeline's company_record: the firmographics of each
// person's company also go to the company record the person belongs to (a HubSpot
// contact's primary company, a Salesforce Contact's Account), through a company
// mapping and under its policies. Left out, or without write: true, it is off.
type CompanyRecord struct {
	Write bool `koanf:"write"`
	// Mapping is the company mapping file (object companies or Account); its fields
	// read the person's company answer (company.…).
	Mapping string `koanf:"mapping"`
	// CreateMissing creates the company (and links the person) when the person
	// belongs to none and no company of the same domain exists. Off by default.
	CreateMissing bool `koanf:"create_missing"`
}

// On reports whether the pipeline writes company records.
func (c *CompanyRecord) On() bool { return c != nil && c.Write }

// personObjects are, by CRM kind, the objects whose records may belong to a company
// record. A Salesforce Lead has no Account until it is converted: a Lead pipeline may
// set company_record, which then writes nothing (the Lead's own company fields, in
// its own mapping, hold the firmographics), and may not create accounts.
var personObjects = map[string][]string{"hubspot": {"contacts"}, "salesforce": {"Contact", "Lead"}}

// CompanyObject is the object company records live in for a CRM kind.
func CompanyObject(kind string) string {
	if kind == "salesforce" {
		return "Account"
	}
	return "companies"
}

// checkCompanyRecord checks pipelines[i].company_record.
func (c *Config) checkCompanyRecord(i int, p Pipeline, bad func(msg string, path ...string)) {
	cr := p.CompanyRecord
	if cr == nil {
		return
	}
	at := func(key ...string) []string {
		return append([]string{"pipelines", fmt.Sprint(i), "company_record"}, key...)
	}
	kind := c.CRMs[p.CRM].Kind
	if people, known := personObjects[kind]; known && !slices.Contains(people, p.Object) {
		bad(fmt.Sprintf("is for people pipelines: %s records of a %s CRM belong to no company record (people objects: %v)",
			quote(p.Object), kind, people), at()...)
	}
	if cr.Write && cr.Mapping == "" {
		bad(fmt.Sprintf("must name the company mapping file (object %s)", CompanyObject(kind)), at("mapping")...)
	}
	switch {
	case cr.CreateMissing && !cr.Write:
		bad("creating missing companies needs write: true", at("create_missing")...)
	case cr.CreateMissing && kind == "salesforce" && p.Object == "Lead":
		bad("a Lead has no Account until it is converted, so none is created or linked; "+
			"the Lead's own company fields (its mapping) hold the firmographics", at("create_missing")...)
	}
}
