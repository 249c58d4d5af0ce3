package lushatest

import (
	"net/http"
	"slices"

	"github.com/leadsync/leadsync/lusha"
)

var contactRevealFields = []string{lusha.RevealEmails, lusha.RevealPhones}

// resolveContact finds the person behind a search item, or the item error Lusha
// answers: NOT_FOUND for people it does not know, COMPLIANCE_RESTRICTED for GDPR.
func (s *Server) resolveContact(it lusha.ContactSearchItem) (*Person, *lusha.ItemError) {
	p := s.world.FindPerson(it.ID, it.LinkedinURL, it.Email, it.FirstName, it.LastName, it.CompanyName, it.CompanyDomain)
	return checkPerson(p)
}

func checkPerson(p *Person) (*Person, *lusha.ItemError) {
	switch {
	case p == nil || !p.Known:
		return nil, &lusha.ItemError{Code: lusha.ItemNotFound, Message: "Contact not found"}
	case p.Restricted:
		return nil, &lusha.ItemError{Code: lusha.ItemComplianceRestricted,
			Message: "Contact is restricted due to compliance regulations"}
	}
	return p, nil
}

// previewFor is p's preview priced for this account: 0 for what it owns.
func (s *Server) previewFor(b *bill, p *Person) lusha.ContactPreview {
	pv := p.Preview()
	for i, cr := range pv.CanReveal {
		if b.revealed(revealKey{entity: "contact", id: p.ID, field: cr.Field}) {
			pv.CanReveal[i].Credits = 0
		} else {
			pv.CanReveal[i].Credits = s.contactPrice(cr.Field)
		}
	}
	return pv
}

func (s *Server) contactPrice(field string) int {
	if field == lusha.RevealPhones {
		return s.opts.Pricing.RevealPhone
	}
	return s.opts.Pricing.RevealEmail
}

// allRestricted reports whether every item is a GDPR-restricted person, for
// Options.RestrictedAs451.
func allRestricted(errs []*lusha.ItemError) bool {
	return len(errs) > 0 && !slices.ContainsFunc(errs, func(e *lusha.ItemError) bool {
		return e == nil || e.Code != lusha.ItemComplianceRestricted
	})
}

func (s *Server) handleContactsSearch(w http.ResponseWriter, r *http.Request) {
	var req lusha.ContactsSearchRequest
	if !s.decode(w, r, &req) {
		return
	}
	var p problems
	p.contactItems(req.Contacts)
	p.signals(req.Signals, contactSignalTypes)
	if s.reject(w, p) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b := newBill(accountOf(r))
	results := make([]lusha.ContactPreview, len(req.Contacts))
	errs := make([]*lusha.ItemError, len(req.Contacts))
	found := 0
	for i, it := range req.Contacts {
		person, itemErr := s.resolveContact(it)
		errs[i] = itemErr
		if itemErr != nil {
			results[i] = lusha.ContactPreview{ClientReferenceID: it.ClientReferenceID, Error: itemErr}
			continue
		}
		found++
		results[i] = s.previewFor(b, person)
		results[i].ClientReferenceID = it.ClientReferenceID
	}
	if s.opts.RestrictedAs451 && allRestricted(errs) {
		s.writeError(w, nil, http.StatusUnavailableForLegalReasons, "")
		return
	}
	b.search(s.opts.Pricing, found)
	if !s.commit(w, b, r.URL.Path) {
		return
	}
	writeJSON(w, http.StatusOK, lusha.ContactsSearchResponse{RequestID: newRequestID(), Results: results,
		Billing: lusha.Billing{CreditsCharged: b.credits, ResultsReturned: found}})
}

func (s *Server) handleContactsEnrich(w http.ResponseWriter, r *http.Request) {
	var req lusha.ContactsEnrichRequest
	if !s.decode(w, r, &req) {
		return
	}
	var p problems
	p.ids("ids", req.IDs)
	p.oneOf("reveal", req.Reveal, contactRevealFields)
	if s.reject(w, p) {
		return
	}
	if req.TableID != "" {
		s.writeError(w, nil, http.StatusNotFound, "TABLE_NOT_FOUND: Table not found")
		return
	}
	reveal := revealOrBoth(req.Reveal)
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.newContactBill(accountOf(r))
	results := make([]lusha.EnrichedContact, len(req.IDs))
	errs := make([]*lusha.ItemError, len(req.IDs))
	found := 0
	for i, id := range req.IDs {
		person, itemErr := checkPerson(s.world.byPersonID[id])
		errs[i] = itemErr
		if itemErr != nil {
			results[i] = lusha.EnrichedContact{ID: id, Error: itemErr}
			continue
		}
		found++
		results[i] = s.enrichContact(b, person, reveal)
	}
	if s.opts.RestrictedAs451 && allRestricted(errs) {
		s.writeError(w, nil, http.StatusUnavailableForLegalReasons, "")
		return
	}
	if !s.commit(w, b, r.URL.Path) {
		return
	}
	job := s.startWaterfall(accountOf(r), req, reveal, results)
	writeJSON(w, http.StatusOK, lusha.ContactsEnrichResponse{RequestID: newRequestID(), Results: results,
		Billing: lusha.Billing{CreditsCharged: b.credits, ResultsReturned: found}, EnrichStatus: b.status(), Job: job})
}

func (s *Server) handleContactsSearchAndEnrich(w http.ResponseWriter, r *http.Request) {
	var req lusha.ContactsSearchAndEnrichRequest
	if !s.decode(w, r, &req) {
		return
	}
	var p problems
	p.contactItems(req.Contacts)
	p.oneOf("reveal", req.Reveal, contactRevealFields)
	if s.reject(w, p) {
		return
	}
	reveal := revealOrBoth(req.Reveal)
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.newContactBill(accountOf(r))
	people := make([]*Person, len(req.Contacts))
	errs := make([]*lusha.ItemError, len(req.Contacts))
	found := 0
	for i, it := range req.Contacts {
		if people[i], errs[i] = s.resolveContact(it); errs[i] == nil {
			found++
		}
	}
	if s.opts.RestrictedAs451 && allRestricted(errs) {
		s.writeError(w, nil, http.StatusUnavailableForLegalReasons, "")
		return
	}
	// The search is billed first: reveals get what credits it leaves.
	b.search(s.opts.Pricing, found)
	results := make([]lusha.EnrichedContact, len(req.Contacts))
	for i, it := range req.Contacts {
		if errs[i] != nil {
			results[i] = lusha.EnrichedContact{Error: errs[i]}
		} else {
			results[i] = s.enrichContact(b, people[i], reveal)
		}
		results[i].ClientReferenceID = it.ClientReferenceID
	}
	if !s.commit(w, b, r.URL.Path) {
		return
	}
	writeJSON(w, http.StatusOK, lusha.ContactsSearchAndEnrichResponse{RequestID: newRequestID(), Results: results,
		Billing: lusha.Billing{CreditsCharged: b.credits, ResultsReturned: found}, EnrichStatus: b.status()})
}

// enrichContact reveals what was asked, charging only data points that exist for the
// person and that the account does not own yet. missingDataPoints says why a data
// point asked for is absent: the person has none (NOT_FOUND), or the credits ran out
// (BILLING_FAILED, and the data point is left out).
func (s *Server) enrichContact(b *bill, p *Person, reveal []string) lusha.EnrichedContact {
	var has []string
	for _, f := range p.RevealableContactFields() {
		if slices.Contains(reveal, f) {
			has = append(has, f)
		}
	}
	unbilled := b.reveal("contact", p.ID, has, s.contactPrice)
	shown := slices.DeleteFunc(slices.Clone(reveal), func(f string) bool { return slices.Contains(unbilled, f) })
	e := p.enriched(shown)
	for _, f := range reveal {
		switch {
		case slices.Contains(unbilled, f):
			e.MissingDataPoints = append(e.MissingDataPoints, missing(f, lusha.MissingBillingFailed))
		case !slices.Contains(has, f):
			e.MissingDataPoints = append(e.MissingDataPoints, missing(f, lusha.MissingNotFound))
		}
	}
	return e
}

// missing is the missingDataPoints entry of a reveal field.
func missing(field, status string) lusha.MissingDataPoint {
	kind := lusha.DataPointEmail
	if field == lusha.RevealPhones {
		kind = lusha.DataPointPhone
	}
	return lusha.MissingDataPoint{Type: kind, Status: status}
}

func revealOrBoth(reveal []string) []string {
	if len(reveal) == 0 {
		return contactRevealFields
	}
	return reveal
}
