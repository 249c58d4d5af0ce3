package hubspottest

import (
	"net/http"
	"strings"
)

// objectHandler serves one call on one object type.
type objectHandler func(http.ResponseWriter, *http.Request, *objectType)

func (s *Server) routes() {
	s.mux = http.NewServeMux()
	// The date-versioned paths serve the same schemas (reference §1).
	for _, prefix := range []string{"/crm/v3/objects/{object}", "/crm/objects/2026-03/{object}"} {
		s.mux.HandleFunc("POST "+prefix+"/search", s.object(s.search))
		s.mux.HandleFunc("POST "+prefix+"/batch/read", s.object(s.batchRead))
		s.mux.HandleFunc("POST "+prefix+"/batch/update", s.object(s.batchUpdate))
		s.mux.HandleFunc("POST "+prefix+"/batch/upsert", s.object(s.batchUpsert))
		s.mux.HandleFunc("POST "+prefix+"/batch/create", s.object(s.batchCreate))
		s.mux.HandleFunc("POST "+prefix+"/batch/archive", s.object(s.batchArchive))
		s.mux.HandleFunc("POST "+prefix, s.object(s.createObject))
		s.mux.HandleFunc("GET "+prefix+"/{id}", s.object(s.getObject))
		s.mux.HandleFunc("DELETE "+prefix+"/{id}", s.object(s.deleteObject))
		s.mux.HandleFunc("GET "+prefix, s.object(s.listObjects))
	}
	for _, prefix := range []string{"/crm/v3/properties/{object}", "/crm/properties/2026-03/{object}"} {
		s.mux.HandleFunc("GET "+prefix, s.object(s.listProperties))
	}
	// Associations v4 and their date-versioned twins (associations v4 guide).
	for _, prefix := range []string{"/crm/v4/associations", "/crm/associations/2026-03"} {
		s.mux.HandleFunc("POST "+prefix+"/{fromObjectType}/{toObjectType}/batch/read", s.batchReadAssociations)
		s.mux.HandleFunc("POST "+prefix+"/{fromObjectType}/{toObjectType}/batch/create", s.batchCreateAssociations)
		s.mux.HandleFunc("POST "+prefix+"/{fromObjectType}/{toObjectType}/batch/associate/default", s.batchAssociateDefault)
	}
	for _, prefix := range []string{"/crm/v4/objects", "/crm/objects/2026-03"} {
		s.mux.HandleFunc("GET "+prefix+"/{objectType}/{objectId}/associations/{toObjectType}", s.listAssociations)
		s.mux.HandleFunc("PUT "+prefix+"/{objectType}/{objectId}/associations/{toObjectType}/{toObjectId}", s.putLabelledAssociation)
		s.mux.HandleFunc("PUT "+prefix+"/{fromObjectType}/{fromObjectId}/associations/default/{toObjectType}/{toObjectId}", s.putDefaultAssociation)
	}
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, apiError{Category: "OBJECT_NOT_FOUND", Message: "resource not found"})
	})
}

// tokenPaths are the OAuth token endpoints: unauthenticated, outside the API limits.
var tokenPaths = map[string]bool{"/oauth/v1/token": true, "/oauth/v3/token": true, "/oauth/2026-03/token": true}

// ServeHTTP authenticates, applies the account's limits and chaos, and serves one
// call.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-HubSpot-Correlation-Id", newUUID())
	w.Header().Set("Content-Type", contentType)
	if tokenPaths[r.URL.Path] && r.Method == http.MethodPost {
		s.token(w, r)
		return
	}
	state, expiry := s.authenticate(r)
	if state == authMissing || state == authExpired {
		s.refuse(w, state, expiry)
		return
	}
	if s.misbehave(w, r) {
		return
	}
	search := r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/search")
	v := s.limit.admit(s.now(), search)
	if !search {
		s.limit.setHeaders(w.Header(), v, state == authOAuth)
	}
	if v.policy != "" {
		writeError(w, http.StatusTooManyRequests, s.limitBody(v.policy))
		return
	}
	s.mux.ServeHTTP(w, r)
}

// object resolves the path's object type (name or type id).
func (s *Server) object(h objectHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		o := s.objectNamed(r.PathValue("object"))
		if o == nil {
			validationError(w, "Unable to infer object type from: "+r.PathValue("object"))
			return
		}
		h(w, r, o)
	}
}

// objectOut is SimplePublicObject. Requested properties without a value are null.
type objectOut struct {
	ID         string             `json:"id"`
	Properties map[string]*string `json:"properties"`
	CreatedAt  string             `json:"createdAt"`
	UpdatedAt  string             `json:"updatedAt"`
	Archived   bool               `json:"archived"`
	ArchivedAt string             `json:"archivedAt,omitempty"`
	// ObjectWriteTraceID echoes a created input's trace id.
	ObjectWriteTraceID string `json:"objectWriteTraceId,omitempty"`
}

// render shows a record's values for the requested properties; names that are not
// defined are left out, as HubSpot does.
func (o *objectType) render(props map[string]string, requested []string) objectOut {
	out := objectOut{ID: props["hs_object_id"], Properties: map[string]*string{},
		CreatedAt: props["createdate"], UpdatedAt: props[o.modifiedProp()]}
	for _, name := range append(requested, o.alwaysReturned()...) {
		if _, defined := o.props[name]; !defined {
			continue
		}
		if v, ok := props[name]; ok {
			out.Properties[name] = &v
		} else {
			out.Properties[name] = nil
		}
	}
	return out
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

// getObject reads one record; an id a merge replaced answers with the merged record.
func (s *Server) getObject(w http.ResponseWriter, r *http.Request, o *objectType) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := r.PathValue("id")
	c := o.resolve(id)
	if prop := r.URL.Query().Get("idProperty"); prop != "" && prop != "hs_object_id" {
		c = o.byUnique(prop, id)
	}
	if c == nil {
		writeError(w, http.StatusNotFound, apiError{Category: "OBJECT_NOT_FOUND", Message: "resource not found",
			Context: map[string][]string{"id": {id}}})
		return
	}
	requested := queryList(r, "properties")
	if len(requested) == 0 {
		requested = o.defaultSearch
	}
	writeJSON(w, http.StatusOK, o.render(c.props, requested))
}

// byUnique finds a live record by a unique property (email for contacts, domain
// for companies), ignoring case.
func (o *objectType) byUnique(prop, value string) *record {
	for _, id := range o.ids {
		if c := o.records[id]; !c.archived && c.mergedInto == 0 && c.props[prop] != "" && strings.EqualFold(c.props[prop], value) {
			return c
		}
	}
	return nil
}
