package crm

import "context"

// Companies is what an adapter offers for company records (HubSpot companies,
// Salesforce Accounts): which company each person record belongs to, and, for a
// pipeline that may create missing companies, finding companies by domain and
// creating and linking them. Company records themselves are read and written through
// Source, Sink and Getter like any object.
type Companies interface {
	// CompanyObject is the object company records live in: "companies", "Account".
	CompanyObject() string
	// CompaniesOf returns, by person record id, the company record it belongs to,
	// with the requested company fields: HubSpot's primary association of a contact
	// (else its oldest), Salesforce's Contact.AccountId. Person records without a
	// company, and objects that have none (a Salesforce Lead), are absent.
	CompaniesOf(ctx context.Context, personObject string, ids, fields []string) (map[string]Record, error)
	// CompaniesByDomain returns existing company records by their domain (a bare,
	// lowercase domain such as "acme.com", as the caller gives it), with the requested
	// fields; domains without a company are absent. When several companies share a
	// domain, the oldest is returned.
	CompaniesByDomain(ctx context.Context, domains, fields []string) (map[string]Record, error)
	// CreateCompany creates one company record with fields and links the given
	// person records to it (as their primary company / account). It returns the new
	// record's id. Callers make sure no duplicate is created (see CompaniesByDomain).
	CreateCompany(ctx context.Context, personObject string, fields map[string]string, people []string) (string, error)
	// LinkCompany links person records to an existing company record.
	LinkCompany(ctx context.Context, personObject, companyID string, people []string) error
}
