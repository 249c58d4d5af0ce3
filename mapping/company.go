package mapping

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
)

// CompanyObjects are the CRM objects that hold company records: HubSpot's companies and
// Salesforce's Account. A mapping for one of them is a company mapping: it identifies
// the company itself to Lusha's company search, and its fields read only the company
// answer.
var CompanyObjects = []string{"companies", "Account"}

// companyMatchKeys are the match: keys of a company mapping. Lusha's company search
// takes an id, a name or a domain per item (reference §5.4); a LinkedIn company URL is
// not in its schema, so it cannot identify a company.
var companyMatchKeys = []string{"companyName", "companyDomain"}

// isCompanyObject reports whether object holds company records.
func isCompanyObject(object string) bool { return slices.Contains(CompanyObjects, object) }

// ForCompanies reports whether the mapping writes company records (a company mapping).
func (m *Mapping) ForCompanies() bool { return isCompanyObject(m.Object) }

// CompanyIdentity is who a company is, in the terms of Lusha's company search.
type CompanyIdentity struct {
	Domain, Name string
}

// CompanyIdentity reads a company record's identity from its CRM values through a
// company mapping's companyDomain and companyName match rules.
func (m *Mapping) CompanyIdentity(crmValues map[string]string) CompanyIdentity {
	id := m.Identity(crmValues)
	return CompanyIdentity{Domain: id.CompanyDomain, Name: id.CompanyName}
}

// Valid reports whether the identity is enough for a company search: a domain or a name.
func (id CompanyIdentity) Valid() bool { return id.kind() != "" }

func (id CompanyIdentity) kind() string {
	switch {
	case bareDomain(id.Domain) != "":
		return "domain"
	case normName(id.Name) != "":
		return "name"
	}
	return ""
}

// SearchDomain is the domain to search by, bare (no scheme, www. or path), or "".
func (id CompanyIdentity) SearchDomain() string { return bareDomain(id.Domain) }

// Key is the company's stable cache key: the hex SHA-256 of one of these texts (lines
// joined by "\n"), or "" when the identity is not Valid:
//
//	leadsync-company-v1 / domain / <bare domain: lowercase, no scheme, www., path or port>
//	leadsync-company-v1 / name / <name lowercased, runs of spaces made one>
//
// A domain, when present, wins over the name. The format never changes: it keys the
// credit cache, which people pipelines fill too (from the domain of a person's company),
// and a change would pay for every company again.
func (id CompanyIdentity) Key() string {
	parts := []string{"leadsync-company-v1", id.kind()}
	switch parts[1] {
	case "":
		return ""
	case "domain":
		parts = append(parts, bareDomain(id.Domain))
	case "name":
		parts = append(parts, normName(id.Name))
	}
	sum := sha256.Sum256([]byte(strings.Join(parts, "\n")))
	return hex.EncodeToString(sum[:])
}

// matchKeysFor are the match: keys a mapping for the object accepts.
func matchKeysFor(company bool) []string {
	if company {
		return companyMatchKeys
	}
	return matchKeys
}

// companyMatchHint explains a refused match key of a company mapping.
func companyMatchHint(key string) string {
	if key == "linkedinUrl" {
		return ": Lusha's company search takes a domain or a name, not a LinkedIn URL"
	}
	return didYouMean(key, companyMatchKeys)
}
