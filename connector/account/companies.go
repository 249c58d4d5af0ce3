package account

import (
	"context"

	"github.com/leadsync/leadsync/crm"
)

// Companies returns the adapter's company records (crm.Companies) behind this
// account's breaker, or false when the adapter offers none.
func (c *CRM) Companies() (crm.Companies, bool) {
	cs, ok := c.adapter.(crm.Companies)
	if !ok {
		return nil, false
	}
	return guardedCompanies{c: c, cs: cs}, true
}

// guardedCompanies makes every company call through the account's breaker, as Write
// and Get are.
type guardedCompanies struct {
	c  *CRM
	cs crm.Companies
}

func (g guardedCompanies) CompanyObject() string { return g.cs.CompanyObject() }

func (g guardedCompanies) CompaniesOf(ctx context.Context, personObject string, ids, fields []string) (map[string]crm.Record, error) {
	return guard(g.c, "companies of", func() (map[string]crm.Record, error) {
		return g.cs.CompaniesOf(ctx, personObject, ids, fields)
	})
}

func (g guardedCompanies) CompaniesByDomain(ctx context.Context, domains, fields []string) (map[string]crm.Record, error) {
	return guard(g.c, "companies by domain", func() (map[string]crm.Record, error) {
		return g.cs.CompaniesByDomain(ctx, domains, fields)
	})
}

func (g guardedCompanies) CreateCompany(ctx context.Context, personObject string, fields map[string]string, people []string) (string, error) {
	return guard(g.c, "create company", func() (string, error) {
		return g.cs.CreateCompany(ctx, personObject, fields, people)
	})
}

func (g guardedCompanies) LinkCompany(ctx context.Context, personObject, companyID string, people []string) error {
	_, err := guard(g.c, "link company", func() (struct{}, error) {
		return struct{}{}, g.cs.LinkCompany(ctx, personObject, companyID, people)
	})
	return err
}
