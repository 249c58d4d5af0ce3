package salesforcetest

import (
	"encoding/json"
	"maps"
	"net/http"
	"strconv"
	"strings"
)

// maxCollection is the sObject Collections record cap.
const maxCollection = 200

type collectionRequest struct {
	AllOrNone bool                         `json:"allOrNone"`
	Records   []map[string]json.RawMessage `json:"records"`
}

type saveResult struct {
	ID      *string       `json:"id,omitempty"`
	Success bool          `json:"success"`
	Errors  []recordError `json:"errors"`
}

// pendingSave is one validated record of a collection, saved after all are checked:
// an update of rec, or a create when rec is nil.
type pendingSave struct {
	obj    *object
	rec    *record
	values map[string]string
}

// handleCollection serves sObject Collections: PATCH updates and POST creates up to
// 200 records (reference §4.2; REST API guide, "Create Records Using sObject
// Collections"), each validated and saved on its own unless allOrNone asks for all
// or nothing; results come in request order.
func (s *Server) handleCollection(create bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req collectionRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			writeError(w, http.StatusBadRequest, "JSON_PARSER_ERROR", "The request body is not valid JSON: "+err.Error())
			return
		}
		if len(req.Records) > maxCollection {
			writeError(w, http.StatusBadRequest, "EXCEEDED_ID_LIMIT", "record limit reached. cannot submit more than 200 records into this call")
			return
		}
		autoAssign := autoAssignOn(r)
		s.mu.Lock()
		defer s.mu.Unlock()
		results := make([]saveResult, len(req.Records))
		pending := make([]*pendingSave, len(req.Records))
		failed := false
		for i, body := range req.Records {
			p, errs, rerr := s.prepareSave(body, create)
			if rerr != nil {
				writeError(w, http.StatusBadRequest, rerr.code, rerr.message)
				return
			}
			if len(errs) > 0 {
				results[i] = saveResult{Errors: errs}
				failed = true
				continue
			}
			pending[i] = p
		}
		for i, p := range pending {
			switch {
			case p == nil:
			case req.AllOrNone && failed:
				results[i] = saveResult{Errors: []recordError{{StatusCode: "ALL_OR_NONE_OPERATION_ROLLED_BACK",
					Message: "Record rolled back because not all records were valid and the request was using AllOrNone header", Fields: []string{}}}}
			default:
				id := s.save(p, autoAssign)
				results[i] = saveResult{ID: &id, Success: true, Errors: []recordError{}}
			}
		}
		writeJSON(w, http.StatusOK, results)
	}
}

// autoAssignOn reports whether a write runs the assignment rules: unless the request
// says "Sforce-Auto-Assign: FALSE" (reference §4.5).
func autoAssignOn(r *http.Request) bool {
	return !strings.EqualFold(strings.TrimSpace(r.Header.Get("Sforce-Auto-Assign")), "false")
}

// prepareSave checks one collection record for an update or a create, adding the
// chaos lock failures of updates; the caller holds s.mu.
func (s *Server) prepareSave(body map[string]json.RawMessage, create bool) (*pendingSave, []recordError, *requestError) {
	if create {
		return s.prepareCreate(body)
	}
	p, errs, rerr := s.prepare(body)
	if p != nil && s.chaos.LockRow > 0 && s.rng.Float64() < s.chaos.LockRow {
		return nil, []recordError{{StatusCode: "UNABLE_TO_LOCK_ROW",
			Message: "unable to obtain exclusive access to this record or 1 records: " + p.rec.id, Fields: []string{}}}, nil
	}
	return p, errs, rerr
}

// prepare finds and validates one collection record; the caller holds s.mu.
func (s *Server) prepare(body map[string]json.RawMessage) (*pendingSave, []recordError, *requestError) {
	o, errs := s.typeOf(body)
	if errs != nil {
		return nil, errs, nil
	}
	rawID := idOf(body)
	// The body is deserialized, refusing unknown fields and values of the wrong type,
	// before the record is looked up.
	values, fieldErrs, rerr := o.validate(body)
	if rerr != nil {
		return nil, nil, rerr
	}
	rec, errs := o.target(rawID)
	if errs != nil {
		return nil, errs, nil
	}
	if len(fieldErrs) > 0 {
		return nil, fieldErrs, nil
	}
	if errs := s.checkRefs(o, values); len(errs) > 0 {
		return nil, errs, nil
	}
	return &pendingSave{obj: o, rec: rec, values: values}, nil, nil
}

// typeOf finds the object a collection record names in attributes.type.
func (s *Server) typeOf(body map[string]json.RawMessage) (*object, []recordError) {
	var attrs struct {
		Type string `json:"type"`
	}
	_ = json.Unmarshal(body["attributes"], &attrs)
	o, ok := s.objects[strings.ToLower(attrs.Type)]
	if !ok {
		return nil, []recordError{{StatusCode: "INVALID_TYPE", Message: "Must send a concrete entity type.", Fields: []string{}}}
	}
	return o, nil
}

// idOf reads a record's id, under any casing of the key.
func idOf(body map[string]json.RawMessage) string {
	var rawID string
	for k, v := range body {
		if strings.EqualFold(k, "id") {
			_ = json.Unmarshal(v, &rawID)
		}
	}
	return rawID
}

// target finds the record an update names, and refuses it when it may not change.
func (o *object) target(rawID string) (*record, []recordError) {
	fail := func(code, msg string) []recordError {
		return []recordError{{StatusCode: code, Message: msg, Fields: []string{}}}
	}
	if rawID == "" {
		return nil, fail("MISSING_ARGUMENT", "Id not specified in an update call")
	}
	id, ok := normalizeID(rawID)
	if !ok {
		return nil, fail("MALFORMED_ID", "malformed id "+rawID)
	}
	rec := o.records[id]
	switch {
	case rec == nil:
		return nil, fail("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")
	case rec.deleted:
		return nil, fail("ENTITY_IS_DELETED", "entity is deleted")
	}
	if errs := o.refuseUpdate(rec); errs != nil { // a converted lead
		return nil, errs
	}
	return rec, nil
}

// save stores a validated record and returns its id: a create inserts it, an update
// applies its values.
func (s *Server) save(p *pendingSave, autoAssign bool) string {
	if p.rec == nil {
		return s.insertNew(p, autoAssign)
	}
	s.apply(p, autoAssign)
	return p.rec.id
}

// apply saves validated values. SystemModstamp moves only when a value changed;
// leads updated without "Sforce-Auto-Assign: FALSE" run the assignment rule, which
// hands them to the assignment queue.
func (s *Server) apply(p *pendingSave, autoAssign bool) {
	values := maps.Clone(p.values)
	if autoAssign && p.obj.name == "Lead" {
		values["OwnerId"] = s.queue
	}
	changed := false
	for k, v := range values {
		if p.rec.values[k] != v {
			p.rec.values[k], changed = v, true
		}
	}
	if changed {
		p.obj.deriveName(p.rec)
		s.touch(p.rec, s.userID)
	}
}

// handlePatchRecord serves PATCH /sobjects/{object}/{id}: one record, 204 or an error
// array using errorCode.
func (s *Server) handlePatchRecord(w http.ResponseWriter, r *http.Request) {
	var body map[string]json.RawMessage
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeError(w, http.StatusBadRequest, "JSON_PARSER_ERROR", "The request body is not valid JSON: "+err.Error())
		return
	}
	autoAssign := autoAssignOn(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.objects[strings.ToLower(r.PathValue("object"))]
	if !ok {
		notFound(w)
		return
	}
	rec, errs := o.target(r.PathValue("id"))
	if rec == nil && len(errs) > 0 && errs[0].StatusCode == "INVALID_CROSS_REFERENCE_KEY" {
		notFound(w)
		return
	}
	var values map[string]string
	if errs == nil {
		var rerr *requestError
		values, errs, rerr = o.validate(body)
		if rerr != nil {
			writeError(w, http.StatusBadRequest, rerr.code, rerr.message)
			return
		}
		if len(errs) == 0 {
			errs = s.checkRefs(o, values)
		}
	}
	if len(errs) > 0 {
		e := errs[0]
		writeError(w, http.StatusBadRequest, e.StatusCode, e.Message, e.Fields...)
		return
	}
	s.apply(&pendingSave{obj: o, rec: rec, values: values}, autoAssign)
	w.WriteHeader(http.StatusNoContent)
}

// handleGetRecord serves GET /sobjects/{object}/{id}[?fields=a,b].
func (s *Server) handleGetRecord(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.objects[strings.ToLower(r.PathValue("object"))]
	if !ok {
		notFound(w)
		return
	}
	rec := o.lookup(r.PathValue("id"))
	if rec == nil || rec.deleted {
		notFound(w)
		return
	}
	var fields []Field
	if list := r.URL.Query().Get("fields"); list != "" {
		for name := range strings.SplitSeq(list, ",") {
			f, ok := o.field(strings.TrimSpace(name))
			if !ok {
				writeError(w, http.StatusBadRequest, "INVALID_FIELD", "No such column '"+name+"' on sobject of type "+o.name)
				return
			}
			fields = append(fields, f)
		}
	} else {
		for _, name := range o.order {
			f, _ := o.field(name)
			fields = append(fields, f)
		}
	}
	body := render(o, fields, rec, r.PathValue("version"))
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body)
}
