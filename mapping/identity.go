package mapping

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strings"
)

// Identity is who a CRM record is, in the terms of Lusha's contact search.
type Identity struct {
	Email, LinkedinURL, FirstName, LastName, CompanyName, CompanyDomain string
}

// matchKeys are the match: keys, in the order Identity lists them.
var matchKeys = []string{"email", "linkedinUrl", "firstName", "lastName", "companyName", "companyDomain"}

// matchRule reads one identity part from a CRM field, through optional transforms.
type matchRule struct {
	key      string // one of matchKeys
	crmField string
	chain    []transform
	line     int // position of the CRM field name, for CheckCRM
	col      int
}

// Identity reads the record's identity from its CRM values. A transform that finds no
// value, or fails, leaves that part empty.
func (m *Mapping) Identity(crmValues map[string]string) Identity {
	var id Identity
	for _, r := range m.match {
		v := r.read(crmValues, m.DefaultRegion)
		switch r.key {
		case "email":
			id.Email = v
		case "linkedinUrl":
			id.LinkedinURL = v
		case "firstName":
			id.FirstName = v
		case "lastName":
			id.LastName = v
		case "companyName":
			id.CompanyName = v
		case "companyDomain":
			id.CompanyDomain = v
		}
	}
	return id
}

func (r matchRule) read(crmValues map[string]string, region string) string {
	raw := strings.TrimSpace(crmValues[r.crmField])
	if raw == "" {
		return ""
	}
	var v any = raw
	for _, t := range r.chain {
		next, err := t.apply(v, region)
		if err != nil || next == nil {
			return ""
		}
		v = next
	}
	s, _ := scalarString(v)
	return strings.TrimSpace(s)
}

// Valid reports whether the identity is enough for a Lusha search: an email, a LinkedIn
// URL, or first and last name with a company name or domain.
func (id Identity) Valid() bool {
	return id.kind() != ""
}

func (id Identity) kind() string {
	switch {
	case normEmail(id.Email) != "":
		return "email"
	case normLinkedin(id.LinkedinURL) != "":
		return "linkedin"
	case normName(id.FirstName) != "" && normName(id.LastName) != "" &&
		(bareDomain(id.CompanyDomain) != "" || normName(id.CompanyName) != ""):
		return "name"
	}
	return ""
}

// Key is the identity's stable cache key: the hex SHA-256 of one of these texts (lines
// joined by "\n"), chosen by priority, or "" when the identity is not Valid:
//
//	leadsync-identity-v1 / email / <email trimmed, lowercased>
//	leadsync-identity-v1 / linkedin / <URL lowercased, without scheme, www., query, fragment, trailing "/">
//	leadsync-identity-v1 / name / <first> / <last> / domain / <bare domain>
//	leadsync-identity-v1 / name / <first> / <last> / company / <company name>
//
// Names and company names are lowercased with runs of spaces made one; a company domain,
// when present, wins over the company name. The format never changes: it keys the
// credit cache, and a change would pay for every lead again.
func (id Identity) Key() string {
	parts := []string{"leadsync-identity-v1", id.kind()}
	switch parts[1] {
	case "":
		return ""
	case "email":
		parts = append(parts, normEmail(id.Email))
	case "linkedin":
		parts = append(parts, normLinkedin(id.LinkedinURL))
	case "name":
		parts = append(parts, normName(id.FirstName), normName(id.LastName))
		if d := bareDomain(id.CompanyDomain); d != "" {
			parts = append(parts, "domain", d)
		} else {
			parts = append(parts, "company", normName(id.CompanyName))
		}
	}
	sum := sha256.Sum256([]byte(strings.Join(parts, "\n")))
	return hex.EncodeToString(sum[:])
}

func normEmail(s string) string {
	s = strings.ToLower(strings.Join(strings.Fields(s), ""))
	if !strings.Contains(s, "@") {
		return ""
	}
	return s
}

func normName(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

// normLinkedin makes the spellings of one profile URL equal: case, scheme, "www." or a
// country subdomain ("de.linkedin.com"), query, fragment and trailing slashes.
func normLinkedin(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return ""
	}
	host := strings.ToLower(u.Hostname())
	if strings.HasSuffix(host, ".linkedin.com") {
		host = "linkedin.com"
	}
	host = strings.TrimPrefix(host, "www.")
	p := strings.ToLower(strings.TrimRight(u.Path, "/")) // decoded: %C3%A9 and é are one
	if p == "" {
		return "" // a bare host names nobody
	}
	return host + p
}
