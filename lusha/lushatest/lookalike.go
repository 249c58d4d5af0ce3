package lushatest

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/leadsync/leadsync/lusha"
)

// lookalikeSessionTTL is how long Lusha keeps a dedupe session.
const lookalikeSessionTTL = 30 * 24 * time.Hour

// lookalikeSession remembers what one dedupe session already returned.
type lookalikeSession struct {
	acct    *account
	entity  string // "contact" or "company": a session serves one kind
	seen    map[string]bool
	expires time.Time
}

// session finds the caller's session, or starts one when id is empty. ok is false
// when id names no live session of this account and kind (Lusha's 410). Callers hold mu.
func (s *Server) session(acct *account, entity, id string) (string, *lookalikeSession, bool) {
	now := s.opts.Now()
	if id == "" {
		id = newRequestID()
		sess := &lookalikeSession{acct: acct, entity: entity, seen: map[string]bool{}, expires: now.Add(lookalikeSessionTTL)}
		s.sessions[id] = sess
		return id, sess, true
	}
	sess := s.sessions[id]
	if sess == nil || sess.acct != acct || sess.entity != entity || !now.Before(sess.expires) {
		return "", nil, false
	}
	return id, sess, true
}

func (s *Server) handleContactLookalikes(w http.ResponseWriter, r *http.Request) {
	var req lusha.ContactLookalikesRequest
	if !s.decode(w, r, &req) {
		return
	}
	var p problems
	checkContactIdentifiers(&p, "seeds", req.Seeds)
	if req.Exclude != nil {
		checkContactIdentifiers(&p, "exclude", *req.Exclude)
	}
	if n := req.Seeds.Count(); n < lusha.MinLookalikeSeeds {
		p.add("seeds must contain at least %d contacts", lusha.MinLookalikeSeeds)
	}
	p.optionalBetween("limit", req.Limit, 1, lusha.MaxLookalikeItems)
	if s.reject(w, p) || s.noTables(w, req.TableID) {
		return
	}
	acct := accountOf(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	id, sess, ok := s.session(acct, lusha.EntityContact, req.DedupeSessionID)
	if !ok {
		// DedupeSessionInvalidError: exactly code and message, no statusCode.
		writeJSON(w, http.StatusGone, map[string]string{"code": lusha.CodeDedupeSessionInvalid,
			"message": "The provided dedupeSessionId is invalid or expired. Generate a new request without dedupeSessionId to start a fresh run."})
		return
	}
	seeds := s.resolvePeople(req.Seeds)
	excluded := map[string]bool{}
	for _, sp := range seeds {
		excluded[sp.ID] = true
	}
	if req.Exclude != nil {
		for _, xp := range s.resolvePeople(*req.Exclude) {
			excluded[xp.ID] = true
		}
	}
	ranked := rankPeople(s.world, seeds, func(p *Person) bool { return excluded[p.ID] || sess.seen[p.ID] })
	picked := ranked[:min(len(ranked), cmpPositive(req.Limit, 25))]
	b := newBill(acct)
	results := make([]lusha.LookalikeContact, 0, len(picked))
	ids := make([]string, 0, len(picked))
	for _, p := range picked {
		pv := p.Preview()
		results = append(results, lusha.LookalikeContact{ID: p.ID, FirstName: p.FirstName, LastName: p.LastName,
			SocialLinks: pv.SocialLinks, Company: &lusha.CompanyRef{ID: p.Company.ID, Name: p.Company.Name, Domain: p.Company.Domain},
			JobTitle: pv.JobTitle, Location: pv.Location})
		ids = append(ids, p.ID)
	}
	b.perResult(ids, s.opts.Pricing.LookalikeContact)
	if !s.commit(w, b, r.URL.Path) {
		return
	}
	for _, pid := range ids {
		sess.seen[pid] = true
	}
	writeJSON(w, http.StatusOK, lusha.ContactLookalikesResponse{DedupeSessionID: &id, Results: results,
		Meta:    lusha.LookalikeMeta{Returned: len(results), HasMore: len(ranked) > len(picked)},
		Billing: &lusha.Billing{CreditsCharged: b.credits, ResultsReturned: len(results)}})
}

func checkContactIdentifiers(p *problems, name string, ci lusha.ContactIdentifiers) {
	for list, n := range map[string]int{"linkedinUrls": len(ci.LinkedinURLs), "contacts": len(ci.Contacts),
		"emails": len(ci.Emails), "ids": len(ci.IDs), "contactIds": len(ci.ContactIDs)} {
		p.size(name+"."+list, n, 0, lusha.MaxLookalikeItems)
	}
	for i, c := range ci.Contacts {
		if c.FirstName == "" || c.LastName == "" {
			p.add("%s.contacts.%d must include firstName and lastName", name, i)
		}
	}
}

// resolvePeople finds the known, unrestricted people an identifier batch names.
func (s *Server) resolvePeople(ci lusha.ContactIdentifiers) []*Person {
	var found []*Person
	add := func(p *Person) {
		if p != nil && p.Known && !p.Restricted && !slices.Contains(found, p) {
			found = append(found, p)
		}
	}
	for _, id := range ci.IDs {
		add(s.world.byPersonID[id])
	}
	for _, id := range ci.ContactIDs {
		add(s.world.byPersonID[strconv.FormatInt(id, 10)])
	}
	for _, e := range ci.Emails {
		add(s.world.FindPerson("", "", e, "", "", "", ""))
	}
	for _, u := range ci.LinkedinURLs {
		add(s.world.FindPerson("", u, "", "", "", "", ""))
	}
	for _, c := range ci.Contacts {
		add(s.world.FindPerson("", "", "", c.FirstName, c.LastName, c.CompanyName, c.CompanyDomain))
	}
	return found
}

// rankPeople orders the world's people by likeness to the seeds: shared department
// counts 2, seniority 1 and industry 1 per seed. People sharing nothing are left out.
func rankPeople(w *World, seeds []*Person, skip func(*Person) bool) []*Person {
	type scored struct {
		p     *Person
		score int
	}
	var all []scored
	for i := range w.People {
		p := &w.People[i]
		if !p.Known || p.Restricted || skip(p) {
			continue
		}
		score := 0
		for _, sd := range seeds {
			if slices.Equal(sd.Departments, p.Departments) {
				score += 2
			}
			if sd.Seniority == p.Seniority {
				score++
			}
			if sd.Company.Industry.industry == p.Company.Industry.industry {
				score++
			}
		}
		if score > 0 {
			all = append(all, scored{p, score})
		}
	}
	slices.SortStableFunc(all, func(a, b scored) int { return cmp.Compare(b.score, a.score) })
	out := make([]*Person, len(all))
	for i, sc := range all {
		out[i] = sc.p
	}
	return out
}

func (s *Server) handleCompanyLookalikes(w http.ResponseWriter, r *http.Request) {
	var req lusha.CompanyLookalikesRequest
	if !s.decode(w, r, &req) {
		return
	}
	var p problems
	p.size("seeds.domains", len(req.Seeds.Domains), 0, lusha.MaxLookalikeItems)
	p.size("seeds.linkedinUrls", len(req.Seeds.LinkedinURLs), 0, lusha.MaxLookalikeItems)
	if n := req.Seeds.Count(); n < lusha.MinLookalikeSeeds {
		p.add("seeds must contain at least %d companies", lusha.MinLookalikeSeeds)
	}
	p.optionalBetween("limit", req.Limit, 1, lusha.MaxLookalikeItems)
	if s.reject(w, p) || s.noTables(w, req.TableID) {
		return
	}
	acct := accountOf(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	id, sess, ok := s.session(acct, lusha.EntityCompany, req.DedupeSessionID)
	if !ok {
		s.writeError(w, nil, http.StatusGone, "The provided dedupeSessionId is invalid or expired.")
		return
	}
	seeds := s.resolveCompanies(req.Seeds)
	excluded := map[string]bool{}
	for _, c := range seeds {
		excluded[c.ID] = true
	}
	if req.Exclude != nil {
		for _, c := range s.resolveCompanies(*req.Exclude) {
			excluded[c.ID] = true
		}
	}
	ranked := rankCompanies(s.world, seeds, func(c *Company) bool { return excluded[c.ID] || sess.seen[c.ID] })
	picked := ranked[:min(len(ranked), cmpPositive(req.Limit, 25))]
	b := newBill(acct)
	results := make([]lusha.LookalikeCompany, 0, len(picked))
	ids := make([]string, 0, len(picked))
	for _, c := range picked {
		results = append(results, lusha.LookalikeCompany{ID: c.ID, Name: c.Name, Domain: c.Domain,
			EmployeeCount: &lusha.EmployeeCount{Exact: c.Employees}, Industry: c.Industry.industry,
			Location:    &lusha.PreviewLocation{Country: c.Location.Country, State: c.Location.State, City: c.Location.City},
			SocialLinks: &lusha.SocialLinks{Linkedin: c.LinkedinURL}})
		ids = append(ids, c.ID)
	}
	b.perResult(ids, s.opts.Pricing.LookalikeCompany)
	if !s.commit(w, b, r.URL.Path) {
		return
	}
	for _, cid := range ids {
		sess.seen[cid] = true
	}
	writeJSON(w, http.StatusOK, lusha.CompanyLookalikesResponse{DedupeSessionID: id, Results: results,
		Meta:    lusha.LookalikeMeta{Returned: len(results), HasMore: len(ranked) > len(picked)},
		Billing: &lusha.Billing{CreditsCharged: b.credits, ResultsReturned: len(results)}})
}

func (s *Server) resolveCompanies(ci lusha.CompanyIdentifiers) []*Company {
	var found []*Company
	add := func(c *Company) {
		if c != nil && !slices.Contains(found, c) {
			found = append(found, c)
		}
	}
	for _, d := range ci.Domains {
		add(s.world.FindCompany("", "", d))
	}
	for _, u := range ci.LinkedinURLs {
		for i := range s.world.Companies {
			if c := &s.world.Companies[i]; normLinkedin(c.LinkedinURL) == normLinkedin(u) {
				add(c)
			}
		}
	}
	return found
}

// rankCompanies orders companies by likeness: industry 2, size bucket 1, country 1 per seed.
func rankCompanies(w *World, seeds []*Company, skip func(*Company) bool) []*Company {
	type scored struct {
		c     *Company
		score int
	}
	var all []scored
	for i := range w.Companies {
		c := &w.Companies[i]
		if skip(c) {
			continue
		}
		score := 0
		for _, sd := range seeds {
			if sd.Industry.industry == c.Industry.industry {
				score += 2
			}
			if sd.EmployeeRange == c.EmployeeRange {
				score++
			}
			if sd.Location.Country == c.Location.Country {
				score++
			}
		}
		if score > 0 {
			all = append(all, scored{c, score})
		}
	}
	slices.SortStableFunc(all, func(a, b scored) int { return cmp.Compare(b.score, a.score) })
	out := make([]*Company, len(all))
	for i, sc := range all {
		out[i] = sc.c
	}
	return out
}
