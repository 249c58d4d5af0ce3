package lushatest

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/leadsync/leadsync/lusha"
)

// contactProspectingBody also accepts searchText and signals at the top level, where
// Lusha's own n8n node sends them (the spec puts them in the contact criteria).
type contactProspectingBody struct {
	lusha.ProspectingContactsRequest
	SearchText string                        `json:"searchText,omitempty"`
	Signals    *lusha.ContactSignalsCriteria `json:"signals,omitzero"`
}

// checkPagination applies the page rules: size 10–100 (served at most 50), page 0–1000.
func checkPagination(p *problems, pg lusha.PageRequest) int {
	p.between("pagination.size", pg.Size, lusha.ProspectingMinPageSize, lusha.ProspectingMaxRequest)
	p.between("pagination.page", pg.Page, 0, lusha.ProspectingMaxPage)
	return min(pg.Size, lusha.ProspectingMaxPageSize)
}

func (s *Server) handleProspectContacts(w http.ResponseWriter, r *http.Request) {
	var body contactProspectingBody
	if !s.decode(w, r, &body) {
		return
	}
	req := body.ProspectingContactsRequest
	var p problems
	size := checkPagination(&p, req.Pagination)
	include := contactInclude(req.Filters)
	if body.SearchText != "" || body.Signals != nil {
		include.SearchText = cmpOr(include.SearchText, body.SearchText)
		if include.Signals == nil {
			include.Signals = body.Signals
		}
	}
	if include.Signals != nil {
		p.oneOf("signals.types", include.Signals.Types, contactSignalTypes)
		p.date("signals.startDate", include.Signals.StartDate)
	}
	p.maxLen("searchText", include.SearchText, 200)
	if s.reject(w, p) || s.noTables(w, req.TableID) {
		return
	}
	excludeDnc := req.Options != nil && req.Options.ExcludeDnc != nil && *req.Options.ExcludeDnc
	s.mu.Lock()
	defer s.mu.Unlock()
	var matched []*Person
	for i := range s.world.People {
		person := &s.world.People[i]
		if person.Known && !person.Restricted && s.contactMatches(person, req.Filters, include) &&
			!(excludeDnc && hasDnc(person)) {
			matched = append(matched, person)
		}
	}
	page := window2(matched, req.Pagination.Page*size, size)
	b := newBill(accountOf(r))
	results := make([]lusha.ContactPreview, 0, len(page))
	for _, person := range page {
		results = append(results, s.previewFor(b, person))
		if include.Signals != nil {
			b.signals(person.ID, s.opts.Pricing.SignalContact, s.signalCounts(lusha.EntityContact, person.ID, *include.Signals))
		}
	}
	b.search(s.opts.Pricing, len(results))
	if !s.commit(w, b, r.URL.Path) {
		return
	}
	writeJSON(w, http.StatusOK, lusha.ProspectingContactsResponse{RequestID: newRequestID(), Results: results,
		Pagination: lusha.PageInfo{Page: req.Pagination.Page, Size: size, Total: int64(len(matched))},
		Billing:    lusha.Billing{CreditsCharged: b.credits, ResultsReturned: len(results)}})
}

func contactInclude(f lusha.ProspectingContactFilters) lusha.ContactCriteria {
	if f.Contacts != nil && f.Contacts.Include != nil {
		return *f.Contacts.Include
	}
	return lusha.ContactCriteria{}
}

func hasDnc(p *Person) bool {
	return slices.ContainsFunc(p.Phones, func(ph lusha.Phone) bool { return ph.DoNotCall })
}

// contactMatches applies include (with searchText/signals merged in) and exclude.
func (s *Server) contactMatches(p *Person, f lusha.ProspectingContactFilters, include lusha.ContactCriteria) bool {
	if !s.personMatches(p, include, true) {
		return false
	}
	if f.Contacts != nil && f.Contacts.Exclude != nil && s.personMatches(p, *f.Contacts.Exclude, false) {
		return false
	}
	if f.Companies != nil {
		if f.Companies.Include != nil && !s.companyMatches(p.Company, f.Companies.Include.CompanyCriteria, true) {
			return false
		}
		if f.Companies.Include != nil && !industryLabelsMatch(p.Company, f.Companies.Include.IndustriesLabels, true) {
			return false
		}
		if x := f.Companies.Exclude; x != nil && (s.companyMatches(p.Company, x.CompanyCriteria, false) ||
			industryLabelsMatch(p.Company, x.IndustriesLabels, false)) {
			return false
		}
	}
	return true
}

// personMatches reports whether p meets every criterion set in c (include) or any
// of them (exclude, where an empty criteria set excludes no one). The world has no
// skills, certifications, awards, education, scores, previous emails, job-change
// dates or zip codes: an include on those matches nobody.
func (s *Server) personMatches(p *Person, c lusha.ContactCriteria, include bool) bool {
	tests := []struct {
		set bool
		ok  func() bool
	}{
		{len(c.Names) > 0, func() bool { return anyFold(c.Names, p.FirstName+" "+p.LastName, true) }},
		{len(c.JobTitles) > 0, func() bool { return anyFold(c.JobTitles, p.JobTitle, true) }},
		{len(c.JobTitlesExactMatch) > 0, func() bool { return anyFold(c.JobTitlesExactMatch, p.JobTitle, false) }},
		{len(c.NormalizedJobTitles) > 0, func() bool { return anyFold(c.NormalizedJobTitles, p.JobTitle, true) }},
		{c.SearchText != "", func() bool {
			return matchesQuery(c.SearchText, p.FirstName+" "+p.LastName, p.JobTitle, p.Company.Name)
		}},
		{len(c.Countries) > 0, func() bool {
			return slices.ContainsFunc(c.Countries, func(v string) bool {
				return strings.EqualFold(v, p.Location.Country) || strings.EqualFold(v, p.Location.CountryIso2)
			})
		}},
		{len(c.Locations) > 0, func() bool { return placeMatches(p.Location, c.Locations) }},
		{len(c.SeniorityIDs) > 0, func() bool { return slices.Contains(c.SeniorityIDs, seniorityIDs[p.Seniority]) }},
		{len(c.Departments) > 0, func() bool {
			return slices.ContainsFunc(p.Departments, func(d string) bool { return anyFold(c.Departments, d, false) })
		}},
		{len(c.LinkedinURLs) > 0, func() bool {
			return slices.ContainsFunc(c.LinkedinURLs, func(u string) bool { return normLinkedin(u) == normLinkedin(p.LinkedinURL) })
		}},
		{len(c.ExistingDataPoints) > 0, func() bool { return dataPointsMatch(p, c.ExistingDataPoints, c.ExistingDataPointsCondition) }},
		{c.Signals != nil, func() bool { return total(s.signalCounts(lusha.EntityContact, p.ID, *c.Signals)) > 0 }},
		{len(c.Emails) > 0, func() bool { return anyFold(c.Emails, p.Email, false) }},
		{len(c.IDs) > 0, func() bool { return slices.Contains(c.IDs, p.ID) }},
		{len(c.PreviousJobTitle) > 0, func() bool { return p.Previous != nil && anyFold(c.PreviousJobTitle, p.JobTitle, true) }},
		{len(c.PreviousEmails)+len(c.Skills)+len(c.Certifications)+len(c.Awards)+len(c.GeographicDetails) > 0 ||
			c.JobChangedAfterDate != "" || c.JobChangedLastViewDate != "" || c.Education != nil || c.Score != nil,
			func() bool { return false }},
	}
	return evaluate(include, len(tests), func(i int) (bool, bool) { return tests[i].set, tests[i].set && tests[i].ok() })
}

// evaluate combines criteria: all set ones must hold for include; any set one
// suffices for exclude.
func evaluate(include bool, n int, test func(int) (set, ok bool)) bool {
	for i := range n {
		set, ok := test(i)
		switch {
		case !set:
		case include && !ok:
			return false
		case !include && ok:
			return true
		}
	}
	return include
}

// anyFold reports whether v equals (or, with contains, contains) any of the wanted
// strings, ignoring case.
func anyFold(wanted []string, v string, contains bool) bool {
	return slices.ContainsFunc(wanted, func(w string) bool {
		if contains {
			return strings.Contains(strings.ToLower(v), strings.ToLower(w))
		}
		return strings.EqualFold(w, v)
	})
}

func placeMatches(pl Place, locs []lusha.Location) bool {
	return slices.ContainsFunc(locs, func(l lusha.Location) bool {
		return (l.City == "" || strings.EqualFold(l.City, pl.City)) &&
			(l.State == "" || strings.EqualFold(l.State, pl.State)) &&
			(l.Country == "" || strings.EqualFold(l.Country, pl.Country)) &&
			(l.CountryIso2 == "" || strings.EqualFold(l.CountryIso2, pl.CountryIso2)) &&
			(l.Continent == "" || strings.EqualFold(l.Continent, pl.Continent)) &&
			(l.CountryGrouping == "" || strings.EqualFold(l.CountryGrouping, "eu") == pl.EU)
	})
}

// dataPointsMatch checks existingDataPoints: everyone has a work email; phones by type.
func dataPointsMatch(p *Person, points []string, condition string) bool {
	has := func(dp string) bool {
		switch dp {
		case "work_email":
			return true
		case "phone", "work_phone":
			return len(p.Phones) > 0
		case "mobile_phone", "direct_phone":
			kind := strings.TrimSuffix(dp, "_phone")
			return slices.ContainsFunc(p.Phones, func(ph lusha.Phone) bool { return ph.Type == kind })
		}
		return false
	}
	if condition == "and" {
		return !slices.ContainsFunc(points, func(dp string) bool { return !has(dp) })
	}
	return slices.ContainsFunc(points, has)
}

// signalCounts counts the entity's signals per type since the criteria's start date.
// Callers hold mu.
func (s *Server) signalCounts(entity, id string, c lusha.ContactSignalsCriteria) map[string]int {
	allowed := contactSignalTypes
	if entity == lusha.EntityCompany {
		allowed = companySignalTypes
	}
	var p problems
	q := s.readSignalQuery(&p, []string{id}, c.Types, c.StartDate, 0, allowed)
	counts := map[string]int{}
	for _, kind := range q.types {
		if n := len(s.events(entity, id, kind, q)); n > 0 {
			counts[kind] = n
		}
	}
	return counts
}

func total(counts map[string]int) int {
	n := 0
	for _, v := range counts {
		n += v
	}
	return n
}

// companyMatches applies the shared company criteria. The world has no funding,
// specialities, keywords fields, previous companies or zip codes: an include on those
// matches nobody.
func (s *Server) companyMatches(co *Company, c lusha.CompanyCriteria, include bool) bool {
	mainID, subID := industryIDs(co.Industry)
	tests := []struct {
		set bool
		ok  func() bool
	}{
		{len(c.Names) > 0, func() bool { return anyFold(c.Names, co.Name, true) }},
		{len(c.Domains) > 0, func() bool {
			return slices.ContainsFunc(c.Domains, func(d string) bool { return NormDomain(d) == NormDomain(co.EmailDomain) })
		}},
		{len(c.IDs) > 0, func() bool { return slices.Contains(c.IDs, co.ID) }},
		{len(c.Locations) > 0, func() bool { return placeMatches(co.Location, c.Locations) }},
		{len(c.Sizes) > 0, func() bool { return inRanges(c.Sizes, co.Employees, co.Employees) }},
		{len(c.Revenues) > 0, func() bool { return inRanges(c.Revenues, int64(co.Revenue[0]), int64(co.Revenue[1])) }},
		{len(c.Technologies) > 0, func() bool { return setMatch(c.Technologies, co.Technologies, c.TechnologiesCondition) }},
		{len(c.MainIndustriesIDs) > 0, func() bool { return slices.Contains(c.MainIndustriesIDs, mainID) }},
		{len(c.SubIndustriesIDs) > 0, func() bool { return slices.Contains(c.SubIndustriesIDs, subID) }},
		{len(c.IntentTopics) > 0, func() bool { return setMatch(c.IntentTopics, co.IntentTopics, c.IntentTopicsCondition) }},
		{c.IntentMinScore > 0 || c.IntentMaxScore > 0, func() bool {
			return len(co.IntentTopics) > 0 && intentScore >= c.IntentMinScore && (c.IntentMaxScore == 0 || intentScore <= c.IntentMaxScore)
		}},
		{len(c.TopicCountThreshold) > 0, func() bool {
			n := int64(len(co.IntentTopics))
			return inRanges(c.TopicCountThreshold, n, n)
		}},
		{len(c.SicCodes) > 0, func() bool { return slices.Contains(c.SicCodes, itoa(co.Industry.sic)) }},
		{len(c.NaicsCodes) > 0, func() bool { return slices.Contains(c.NaicsCodes, itoa(co.Industry.naics)) }},
		{len(c.FoundedYear) > 0, func() bool {
			return slices.ContainsFunc(c.FoundedYear, func(y lusha.YearRange) bool {
				return (y.Min == 0 || co.YearFounded >= y.Min) && (y.Max == 0 || co.YearFounded <= y.Max)
			})
		}},
		{len(c.BusinessModel) > 0, func() bool { return slices.Contains(c.BusinessModel, "B2B") }},
		{len(c.CompanyType) > 0, func() bool { return slices.Contains(c.CompanyType, co.CompanyType) }},
		{len(c.LinkedinURLs) > 0, func() bool {
			return slices.ContainsFunc(c.LinkedinURLs, func(u string) bool { return normLinkedin(u) == normLinkedin(co.LinkedinURL) })
		}},
		{len(c.Keywords) > 0, func() bool {
			return slices.ContainsFunc(c.Keywords, func(k string) bool {
				return matchesQuery(k, co.Name, co.Industry.industry, co.Industry.subIndustry)
			})
		}},
		{len(c.Specialities)+len(c.ExactSpecialities)+len(c.ExactKeywords)+len(c.PreviousCompanyDomains)+
			len(c.PreviousCompanyNames)+len(c.GeographicDetails)+len(c.LocationsZipcodes)+len(c.HeadquarterZipcodes) > 0,
			func() bool { return false }},
	}
	return evaluate(include, len(tests), func(i int) (bool, bool) { return tests[i].set, tests[i].set && tests[i].ok() })
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func inRanges(ranges []lusha.Range, lo, hi int64) bool {
	return slices.ContainsFunc(ranges, func(r lusha.Range) bool {
		return (r.Min == nil || hi >= *r.Min) && (r.Max == nil || lo <= *r.Max)
	})
}

// setMatch is the or/and condition of technologies and intent topics.
func setMatch(wanted, have []string, condition string) bool {
	hit := func(w string) bool { return anyFold(have, w, false) }
	if condition == "and" {
		return !slices.ContainsFunc(wanted, func(w string) bool { return !hit(w) })
	}
	return slices.ContainsFunc(wanted, hit)
}

func industryLabelsMatch(co *Company, labels []string, include bool) bool {
	if len(labels) == 0 {
		return include
	}
	return anyFold(labels, co.Industry.industry, false) || anyFold(labels, co.Industry.subIndustry, false)
}

func (s *Server) handleProspectCompanies(w http.ResponseWriter, r *http.Request) {
	var req lusha.ProspectingCompaniesRequest
	if !s.decode(w, r, &req) {
		return
	}
	var p problems
	size := checkPagination(&p, req.Pagination)
	inc := req.Filters.Companies.Include
	if req.Filters.Contacts != nil && (inc.SearchText != "" || inc.Signals != nil || len(inc.IntentTopics) > 0 || len(inc.Technologies) > 0) {
		p.add("filters.contacts cannot be combined with company searchText, signals, intent or technologies")
	}
	if inc.Signals != nil {
		p.oneOf("signals.types", inc.Signals.Types, companySignalTypes)
		p.date("signals.startDate", inc.Signals.StartDate)
	}
	p.maxLen("searchText", inc.SearchText, 200)
	if s.reject(w, p) || s.noTables(w, req.TableID) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var matched []*Company
	for i := range s.world.Companies {
		if co := &s.world.Companies[i]; s.companyProspectMatches(co, req.Filters) {
			matched = append(matched, co)
		}
	}
	page := window2(matched, req.Pagination.Page*size, size)
	b := newBill(accountOf(r))
	results := make([]lusha.CompanyPreview, 0, len(page))
	for _, co := range page {
		pv := co.Preview()
		for j, cr := range pv.CanReveal {
			pv.CanReveal[j].Credits = s.companyPrice(cr.Field)
			if b.revealed(revealKey{entity: "company", id: co.ID, field: cr.Field}) {
				pv.CanReveal[j].Credits = 0
			}
		}
		results = append(results, pv)
	}
	b.search(s.opts.Pricing, len(results))
	if !s.commit(w, b, r.URL.Path) {
		return
	}
	writeJSON(w, http.StatusOK, lusha.ProspectingCompaniesResponse{RequestID: newRequestID(), Results: results,
		Pagination: lusha.PageInfo{Page: req.Pagination.Page, Size: size, Total: int64(len(matched))},
		Billing:    lusha.Billing{CreditsCharged: b.credits, ResultsReturned: len(results)}})
}

// companyProspectMatches applies company include/exclude and the contact filters
// (the company employs at least one matching, known person). Callers hold mu.
func (s *Server) companyProspectMatches(co *Company, f lusha.ProspectingCompanyFilters) bool {
	inc := f.Companies.Include
	if !s.companyMatches(co, inc.CompanyCriteria, true) || !s.prospectExtrasMatch(co, inc, true) {
		return false
	}
	if x := f.Companies.Exclude; x != nil && (s.companyMatches(co, x.CompanyCriteria, false) || s.prospectExtrasMatch(co, *x, false)) {
		return false
	}
	if f.Contacts == nil {
		return true
	}
	return slices.ContainsFunc(s.world.People, func(p Person) bool {
		return p.Company == co && p.Known && !p.Restricted &&
			(f.Contacts.Include == nil || staffMatches(&p, *f.Contacts.Include, true)) &&
			(f.Contacts.Exclude == nil || !staffMatches(&p, *f.Contacts.Exclude, false))
	})
}

// prospectExtrasMatch applies searchText and signals of company prospecting.
func (s *Server) prospectExtrasMatch(co *Company, c lusha.CompanyProspectingCriteria, include bool) bool {
	tests := []struct{ set, ok bool }{
		{c.SearchText != "", c.SearchText != "" && matchesQuery(c.SearchText, co.Name, co.EmailDomain, co.Industry.subIndustry)},
		{c.Signals != nil, c.Signals != nil && total(s.signalCounts(lusha.EntityCompany, co.ID,
			lusha.ContactSignalsCriteria{Types: c.Signals.Types, StartDate: c.Signals.StartDate})) > 0},
	}
	return evaluate(include, len(tests), func(i int) (bool, bool) { return tests[i].set, tests[i].ok })
}

func staffMatches(p *Person, c lusha.ContactsOnCompanyFilters, include bool) bool {
	tests := []struct{ set, ok bool }{
		{len(c.JobTitles) > 0, anyFold(c.JobTitles, p.JobTitle, true)},
		{len(c.Departments) > 0, slices.ContainsFunc(p.Departments, func(d string) bool { return anyFold(c.Departments, d, false) })},
		{len(c.SeniorityIDs) > 0, slices.Contains(c.SeniorityIDs, seniorityIDs[p.Seniority])},
		{len(c.Locations) > 0, placeMatches(p.Location, c.Locations)},
		{len(c.ExistingDataPoints) > 0, dataPointsMatch(p, c.ExistingDataPoints, "or")},
		{len(c.Skills) > 0, false},
	}
	return evaluate(include, len(tests), func(i int) (bool, bool) { return tests[i].set, tests[i].ok })
}
