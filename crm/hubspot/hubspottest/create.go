package hubspottest

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// createIn is SimplePublicObjectInputForCreate (and its batch twin). The spec
// requires associations; the docs' examples leave them out, so they are optional.
type createIn struct {
	Properties         map[string]string `json:"properties"`
	Associations       []createAssocIn   `json:"associations"`
	ObjectWriteTraceID string            `json:"objectWriteTraceId"`
}

// createAssocIn is PublicAssociationsForObject: the type ids say which object the
// id belongs to (reference §4.5, §5.1).
type createAssocIn struct {
	To    objectIDIn    `json:"to"`
	Types []assocSpecIn `json:"types"`
}

// pendingCreate is one create input that passed validation.
type pendingCreate struct {
	in     createIn
	values map[string]string
	links  []pendingLink
}

type pendingLink struct {
	to   *record
	dirs []assocDir
}

// prepareCreate validates one input under the server's lock: value errors are
// appended to invalid, any other refusal is msg.
func (s *Server) prepareCreate(o *objectType, in createIn, invalid []valueError) (pendingCreate, []valueError, string) {
	p := pendingCreate{in: in}
	p.values, invalid = o.validate(in.Properties, nil, invalid)
	// "you should include at least one of the following properties in your request:
	// name or domain" (reference §5.1; INFERENCE that HubSpot refuses without both,
	// and how).
	if o.name == "companies" && p.values["name"] == "" && p.values["domain"] == "" {
		return p, invalid, "A company needs a name or a domain"
	}
	for _, a := range in.Associations {
		dirs, msg := resolveSpecs(o.name, "", a.Types)
		if msg != "" {
			return p, invalid, msg
		}
		target := s.types[dirs[0].to()].live(a.To.String())
		if target == nil {
			return p, invalid, fmt.Sprintf("No %s %s to associate with", s.types[dirs[0].to()].label, a.To.String())
		}
		p.links = append(p.links, pendingLink{to: target, dirs: dirs})
	}
	return p, invalid, ""
}

// duplicateOf is the id of the contact that already holds the input's email, or ""
// (reference §4.5: duplicate emails are refused with 409); taken holds the emails of
// earlier inputs of the same batch. Other objects have no unique value the fake
// enforces: HubSpot creates companies with a domain that exists already
// (INFERENCE: the reference's 409 row names domains, but no capture shows it, and
// the deduplication by domain its companies guide speaks of is the app's).
func (o *objectType) duplicateOf(p pendingCreate, taken map[string]bool) (id string, dup bool) {
	email := p.values["email"]
	if o.name != "contacts" || email == "" {
		return "", false
	}
	if c := o.byUnique("email", email); c != nil {
		return strconv.FormatInt(c.id, 10), true
	}
	return "", taken[email]
}

func conflictMessage(id string) string {
	if id == "" {
		return "Contact already exists"
	}
	return "Contact already exists. Existing ID: " + id
}

// insert stores a validated input as a new record created at stamp.
func (s *Server) insert(o *objectType, p pendingCreate, stamp time.Time) *record {
	c := s.newRecord(o, stamp)
	apply(c, p.values)
	o.setModified(c, stamp)
	for _, l := range p.links {
		for _, d := range l.dirs {
			s.relate(d, c.id, l.to.id)
		}
	}
	s.reindex(c)
	return c
}

func (o *objectType) renderCreated(c *record, p pendingCreate) objectOut {
	out := o.render(c.props, slices.Collect(maps.Keys(p.in.Properties)))
	out.ObjectWriteTraceID = p.in.ObjectWriteTraceID
	return out
}

// createObject serves POST /crm/v3/objects/{object}: 201 with the new record,
// 400 for invalid values or associations, 409 for a contact's duplicate email
// (reference §4, §4.5, §5.1).
func (s *Server) createObject(w http.ResponseWriter, r *http.Request, o *objectType) {
	var in createIn
	if !decode(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, invalid, msg := s.prepareCreate(o, in, nil)
	switch {
	case len(invalid) > 0:
		writeValueErrors(w, invalid)
		return
	case msg != "":
		validationError(w, msg)
		return
	}
	if id, dup := o.duplicateOf(p, nil); dup {
		writeError(w, http.StatusConflict, apiError{Category: "CONFLICT", Message: conflictMessage(id)})
		return
	}
	writeJSON(w, http.StatusCreated, o.renderCreated(s.insert(o, p, s.writeStamp()), p))
}

// batchCreate serves POST /crm/v3/objects/{object}/batch/create (reference §4.5):
// one invalid value refuses the whole batch (400); a duplicate email fails the
// whole batch with 409, unless every input carries an objectWriteTraceId, which
// turns conflicts into per-input errors of a 207. Created records answer 201.
func (s *Server) batchCreate(w http.ResponseWriter, r *http.Request, o *objectType) {
	inputs, ok := decodeInputs[createIn](w, r, maxBatchInputs)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	started := s.now()
	pending := make([]pendingCreate, len(inputs))
	var invalid []valueError
	for i, input := range inputs {
		var msg string
		if pending[i], invalid, msg = s.prepareCreate(o, input, invalid); msg != "" {
			validationError(w, msg)
			return
		}
	}
	if len(invalid) > 0 {
		writeValueErrors(w, invalid)
		return
	}
	conflicts, conflicted, ok := conflictsOf(o, pending)
	if !ok {
		writeError(w, http.StatusConflict, apiError{Category: "CONFLICT", Message: conflicts[0].Message})
		return
	}
	stamp := s.writeStamp()
	out := batchOut{Status: "COMPLETE", Results: []objectOut{}, Errors: conflicts,
		StartedAt: formatTime(started), CompletedAt: formatTime(started)}
	for i, p := range pending {
		if !conflicted[i] {
			out.Results = append(out.Results, o.renderCreated(s.insert(o, p, stamp), p))
		}
	}
	status := http.StatusCreated
	if len(conflicts) > 0 {
		out.NumErrors, status = len(conflicts), http.StatusMultiStatus
	}
	writeJSON(w, status, out)
}

// conflictsOf finds the inputs whose email is taken, as 207 items; ok is false when
// one conflicts and not every input is traced, which fails the whole batch.
func conflictsOf(o *objectType, pending []pendingCreate) (errs []standardErr, conflicted []bool, ok bool) {
	allTraced := !slices.ContainsFunc(pending, func(p pendingCreate) bool { return p.in.ObjectWriteTraceID == "" })
	taken := map[string]bool{}
	conflicted = make([]bool, len(pending))
	for i, p := range pending {
		id, dup := o.duplicateOf(p, taken)
		taken[p.values["email"]] = true
		if !dup {
			continue
		}
		e := standardErr{Status: "error", Category: "CONFLICT", Message: conflictMessage(id),
			Context: map[string][]string{"objectWriteTraceId": {p.in.ObjectWriteTraceID}}, Errors: []errorDetail{}, Links: map[string]string{}}
		if id != "" {
			e.Context["existingId"] = []string{id}
		}
		errs, conflicted[i] = append(errs, e), true
		if !allTraced {
			return errs, conflicted, false
		}
	}
	return errs, conflicted, true
}
