package lushatest

import (
	"net/url"
	"strings"
)

func (w *World) index() {
	w.byPersonID = make(map[string]*Person, len(w.People))
	w.byEmail = make(map[string]*Person, len(w.People))
	w.byLinkedin = make(map[string]*Person, len(w.People))
	w.byName = make(map[string][]*Person)
	for i := range w.People {
		p := &w.People[i]
		w.byPersonID[p.ID] = p
		w.byEmail[normEmail(p.Email)] = p
		w.byLinkedin[normLinkedin(p.LinkedinURL)] = p
		key := nameKey(p.FirstName, p.LastName)
		w.byName[key] = append(w.byName[key], p)
	}
	w.byCompanyID = make(map[string]*Company, len(w.Companies))
	w.byDomain = make(map[string]*Company, len(w.Companies))
	w.byCoName = make(map[string]*Company, len(w.Companies))
	for i := range w.Companies {
		c := &w.Companies[i]
		w.byCompanyID[c.ID] = c
		w.byDomain[NormDomain(c.EmailDomain)] = c
		w.byCoName[strings.ToLower(c.Name)] = c
	}
}

// PersonByEmail finds a person by email, ignoring case and surrounding space.
func (w *World) PersonByEmail(email string) (*Person, bool) {
	p, ok := w.byEmail[normEmail(email)]
	return p, ok
}

// PersonByID finds a person by Lusha contact id.
func (w *World) PersonByID(id string) (*Person, bool) {
	p, ok := w.byPersonID[id]
	return p, ok
}

// CompanyByID finds a company by Lusha company id.
func (w *World) CompanyByID(id string) (*Company, bool) {
	c, ok := w.byCompanyID[id]
	return c, ok
}

// CompanyByDomain finds a company by domain, with or without scheme or "www.".
func (w *World) CompanyByDomain(domain string) (*Company, bool) {
	c, ok := w.byDomain[NormDomain(domain)]
	return c, ok
}

// FindPerson resolves a search item the way Lusha does: by id, LinkedIn URL,
// email, then first+last name at a company given by name or domain. It returns
// nil when no identifier matches anyone in the world (known or not).
func (w *World) FindPerson(id, linkedinURL, email, first, last, companyName, companyDomain string) *Person {
	if p := w.byPersonID[strings.TrimSpace(id)]; id != "" && p != nil {
		return p
	}
	if p := w.byLinkedin[normLinkedin(linkedinURL)]; linkedinURL != "" && p != nil {
		return p
	}
	if p := w.byEmail[normEmail(email)]; email != "" && p != nil {
		return p
	}
	if first == "" || last == "" {
		return nil
	}
	for _, p := range w.byName[nameKey(first, last)] {
		if companyDomain != "" && NormDomain(companyDomain) == NormDomain(p.Company.EmailDomain) {
			return p
		}
		if companyName != "" && strings.EqualFold(strings.TrimSpace(companyName), p.Company.Name) {
			return p
		}
	}
	return nil
}

// FindCompany resolves a company search item by id, domain or name.
func (w *World) FindCompany(id, name, domain string) *Company {
	if c := w.byCompanyID[strings.TrimSpace(id)]; id != "" && c != nil {
		return c
	}
	if c := w.byDomain[NormDomain(domain)]; domain != "" && c != nil {
		return c
	}
	if c := w.byCoName[strings.ToLower(strings.TrimSpace(name))]; name != "" && c != nil {
		return c
	}
	return nil
}

func normEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func nameKey(first, last string) string {
	return strings.ToLower(strings.TrimSpace(first)) + "\x00" + strings.ToLower(strings.TrimSpace(last))
}

// NormDomain reduces a domain or website URL to its bare lower-case host
// ("https://WWW.Acme.com/about" → "acme.com").
func NormDomain(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
	}
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimSuffix(s, ".")
	return strings.TrimPrefix(s, "www.")
}

// normLinkedin reduces a LinkedIn profile URL to host-less path form, so scheme,
// "www.", case, query and trailing slash do not matter.
func normLinkedin(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return s
	}
	return strings.TrimPrefix(u.Host, "www.") + strings.TrimRight(u.Path, "/")
}
