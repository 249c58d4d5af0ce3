package lushatest

import (
	"net/http"
	"slices"

	"github.com/leadsync/leadsync/lusha"
)

var companySignalTypes = []string{"allSignals", "linkedinActivityIntent", "websiteTrafficDecrease",
	"websiteTrafficIncrease", "itSpendIncrease", "itSpendDecrease", "surgeInHiring", "headcountIncrease1m",
	"headcountIncrease3m", "headcountIncrease6m", "headcountIncrease12m", "headcountDecrease1m",
	"headcountDecrease3m", "headcountDecrease6m", "headcountDecrease12m", "surgeInHiringByDepartment",
	"surgeInHiringByLocation", "riskNews", "commercialActivityNews", "corporateStrategyNews",
	"financialEventsNews", "peopleNews", "marketIntelligenceNews", "productActivityNews"}

// companyRevealKey is the ledger field of the base company profile (reveal_company).
const companyRevealKey = "company"

var companyNotFound = &lusha.ItemError{Code: lusha.ItemNotFound, Message: "Company not found"}

func (s *Server) companyPrice(field string) int {
	if field == companyRevealKey {
		return s.opts.Pricing.RevealCompany
	}
	return s.opts.Pricing.RevealCompanyField
}

func (s *Server) handleCompaniesSearch(w http.ResponseWriter, r *http.Request) {
	var req lusha.CompaniesSearchRequest
	if !s.decode(w, r, &req) {
		return
	}
	var p problems
	p.companyItems(req.Companies)
	p.signals(req.Signals, companySignalTypes)
	if s.reject(w, p) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b := newBill(accountOf(r))
	results := make([]lusha.CompanyPreview, len(req.Companies))
	found := 0
	for i, it := range req.Companies {
		c := s.world.FindCompany(it.ID, it.Name, it.Domain)
		if c == nil {
			results[i] = lusha.CompanyPreview{ClientReferenceID: it.ClientReferenceID, Error: companyNotFound}
			continue
		}
		found++
		pv := c.Preview()
		pv.ClientReferenceID = it.ClientReferenceID
		for j, cr := range pv.CanReveal {
			pv.CanReveal[j].Credits = s.companyPrice(cr.Field)
			if b.revealed(revealKey{entity: "company", id: c.ID, field: cr.Field}) {
				pv.CanReveal[j].Credits = 0
			}
		}
		results[i] = pv
	}
	b.search(s.opts.Pricing, found)
	if !s.commit(w, b, r.URL.Path) {
		return
	}
	writeJSON(w, http.StatusOK, lusha.CompaniesSearchResponse{RequestID: newRequestID(), Results: results,
		Billing: lusha.Billing{CreditsCharged: b.credits, ResultsReturned: found}})
}

func (s *Server) handleCompaniesEnrich(w http.ResponseWriter, r *http.Request) {
	var req lusha.CompaniesEnrichRequest
	if !s.decode(w, r, &req) {
		return
	}
	var p problems
	p.ids("ids", req.IDs)
	p.oneOf("reveal", req.Reveal, lusha.CompanyRevealFields)
	if s.reject(w, p) {
		return
	}
	if req.TableID != "" {
		s.writeError(w, nil, http.StatusNotFound, "TABLE_NOT_FOUND: Table not found")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b := newBill(accountOf(r))
	results := make([]lusha.EnrichedCompany, len(req.IDs))
	found := 0
	for i, id := range req.IDs {
		c := s.world.byCompanyID[id]
		if c == nil {
			results[i] = lusha.EnrichedCompany{ID: id, Error: companyNotFound}
			continue
		}
		found++
		charged := []string{companyRevealKey}
		for _, f := range c.RevealableFields() {
			if slices.Contains(req.Reveal, f) {
				charged = append(charged, f)
			}
		}
		b.reveal("company", c.ID, charged, s.companyPrice)
		results[i] = c.Enriched(req.Reveal...)
	}
	if !s.commit(w, b, r.URL.Path) {
		return
	}
	writeJSON(w, http.StatusOK, lusha.CompaniesEnrichResponse{RequestID: newRequestID(), Results: results,
		Billing: lusha.Billing{CreditsCharged: b.credits, ResultsReturned: found}})
}

func (s *Server) handleCompaniesSearchAndEnrich(w http.ResponseWriter, r *http.Request) {
	var req lusha.CompaniesSearchAndEnrichRequest
	if !s.decode(w, r, &req) {
		return
	}
	var p problems
	p.companyItems(req.Companies)
	if s.reject(w, p) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b := newBill(accountOf(r))
	results := make([]lusha.EnrichedCompany, len(req.Companies))
	found := 0
	for i, it := range req.Companies {
		c := s.world.FindCompany(it.ID, it.Name, it.Domain)
		if c == nil {
			results[i] = lusha.EnrichedCompany{ClientReferenceID: it.ClientReferenceID, Error: companyNotFound}
			continue
		}
		found++
		// No reveal fields here: the base profile only, reveal_company per company.
		b.reveal("company", c.ID, []string{companyRevealKey}, s.companyPrice)
		results[i] = c.Enriched()
		results[i].ClientReferenceID = it.ClientReferenceID
	}
	b.search(s.opts.Pricing, found)
	if !s.commit(w, b, r.URL.Path) {
		return
	}
	writeJSON(w, http.StatusOK, lusha.CompaniesSearchAndEnrichResponse{RequestID: newRequestID(), Results: results,
		Billing: lusha.Billing{CreditsCharged: b.credits, ResultsReturned: found}})
}
