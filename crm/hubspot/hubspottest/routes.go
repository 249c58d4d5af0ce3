package hubspottest

import (
	"net/http"
	"strings"
)

func (s *Server) routes() {
	s.mux = http.NewServeMux()
	// The date-versioned paths serve the same schemas (reference §1).
	for _, prefix := range []string{"/crm/v3/objects/{object}", "/crm/objects/2026-03/{object}"} {
		s.mux.HandleFunc("POST "+prefix+"/search", s.contactsOnly(s.search))
		s.mux.HandleFunc("POST "+prefix+"/batch/read", s.contactsOnly(s.batchRead))
		s.mux.HandleFunc("POST "+prefix+"/batch/update", s.contactsOnly(s.batchUpdate))
		s.mux.HandleFunc("GET "+prefix+"/{id}", s.contactsOnly(s.getContact))
	}
	for _, prefix := range []string{"/crm/v3/properties/{object}", "/crm/properties/2026-03/{object}"} {
		s.mux.HandleFunc("GET "+prefix, s.contactsOnly(s.listProperties))
	}
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, apiError{Category: "OBJECT_NOT_FOUND", Message: "resource not found"})
	})
}

// ServeHTTP authenticates, applies the account's limits and serves one call.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-HubSpot-Correlation-Id", newUUID())
	w.Header().Set("Content-Type", contentType)
	if !s.authorized(r) {
		w.Header().Set("x-hubspot-auth-failure", "401 Unauthorized")
		writeError(w, http.StatusUnauthorized, apiError{Category: "INVALID_AUTHENTICATION",
			Message: "Authentication credentials not found. This API supports both API Key and OAuth 2.0 authentication " +
				"and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"})
		return
	}
	search := r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/search")
	v := s.limit.admit(s.now(), search)
	if !search {
		s.limit.setHeaders(w.Header(), v)
	}
	if v.policy != "" {
		writeError(w, http.StatusTooManyRequests, s.limitBody(v.policy))
		return
	}
	s.mux.ServeHTTP(w, r)
}

func (s *Server) authorized(r *http.Request) bool {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && token == s.opts.Token
}

// contactsOnly accepts the contacts object by name or type id; the fake holds no
// other object.
func (s *Server) contactsOnly(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		switch obj := r.PathValue("object"); obj {
		case "contacts", "contact", "0-1":
			h(w, r)
		default:
			validationError(w, "Unable to infer object type from: "+obj)
		}
	}
}

// objectOut is SimplePublicObject. Requested properties without a value are null.
type objectOut struct {
	ID         string             `json:"id"`
	Properties map[string]*string `json:"properties"`
	CreatedAt  string             `json:"createdAt"`
	UpdatedAt  string             `json:"updatedAt"`
	Archived   bool               `json:"archived"`
}

// alwaysReturned come back whatever properties were asked for (reference §3.2).
var alwaysReturned = []string{"createdate", "hs_object_id", "lastmodifieddate"}

// render shows a contact's values for the requested properties; names that are not
// defined are left out, as HubSpot does.
func (s *Server) render(props map[string]string, requested []string, archived bool) objectOut {
	o := objectOut{ID: props["hs_object_id"], Properties: map[string]*string{},
		CreatedAt: props["createdate"], UpdatedAt: props["lastmodifieddate"], Archived: archived}
	for _, name := range append(requested, alwaysReturned...) {
		if _, defined := s.props[name]; !defined {
			continue
		}
		if v, ok := props[name]; ok {
			o.Properties[name] = &v
		} else {
			o.Properties[name] = nil
		}
	}
	return o
}

// queryList reads a list query parameter sent repeated or comma-separated.
func queryList(r *http.Request, name string) []string {
	var out []string
	for _, v := range r.URL.Query()[name] {
		for p := range strings.SplitSeq(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

func (s *Server) getContact(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := r.PathValue("id")
	c := s.live(id)
	if r.URL.Query().Get("idProperty") == "email" {
		c = s.byEmail(id)
	}
	if c == nil {
		writeError(w, http.StatusNotFound, apiError{Category: "OBJECT_NOT_FOUND", Message: "resource not found",
			Context: map[string][]string{"id": {id}}})
		return
	}
	requested := queryList(r, "properties")
	if len(requested) == 0 {
		requested = []string{"firstname", "lastname", "email"}
	}
	writeJSON(w, http.StatusOK, s.render(c.props, requested, false))
}

func (s *Server) byEmail(email string) *contact {
	for _, id := range s.ids {
		if c := s.contacts[id]; !c.archived && strings.EqualFold(c.props["email"], email) {
			return c
		}
	}
	return nil
}
