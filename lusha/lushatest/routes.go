package lushatest

// routeV3Extras registers the V3 endpoints beyond search, enrich and usage.
func (s *Server) routeV3Extras() {
	s.mux.HandleFunc("POST /v3/companies/search-and-enrich", s.handleCompaniesSearchAndEnrich)
	s.mux.HandleFunc("GET /v3/contacts/jobs/{jobId}", s.handleContactsJob)
	s.mux.HandleFunc("POST /v3/contacts/prospecting", s.handleProspectContacts)
	s.mux.HandleFunc("POST /v3/companies/prospecting", s.handleProspectCompanies)
	s.mux.HandleFunc("POST /v3/contacts/lookalike", s.handleContactLookalikes)
	s.mux.HandleFunc("POST /v3/companies/lookalike", s.handleCompanyLookalikes)
	s.mux.HandleFunc("POST /v3/contacts/signals", s.handleContactSignals)
	s.mux.HandleFunc("POST /v3/companies/signals", s.handleCompanySignals)
	s.mux.HandleFunc("GET /v3/contacts/signals/types", s.handleContactSignalTypes)
	s.mux.HandleFunc("GET /v3/companies/signals/types", s.handleCompanySignalTypes)
	s.mux.HandleFunc("GET /v3/companies/signals/filters", s.handleCompanySignalFilters)
	s.mux.HandleFunc("GET /v3/companies/signals/filters/{filterType}", s.handleCompanySignalFilterValues)
	s.mux.HandleFunc("GET /v3/contacts/prospecting/filters", s.handleContactFilters)
	s.mux.HandleFunc("GET /v3/contacts/prospecting/filters/{filterType}", s.handleContactFilterValues)
	s.mux.HandleFunc("GET /v3/companies/prospecting/filters", s.handleCompanyFilters)
	s.mux.HandleFunc("GET /v3/companies/prospecting/filters/{filterType}", s.handleCompanyFilterValues)
}
