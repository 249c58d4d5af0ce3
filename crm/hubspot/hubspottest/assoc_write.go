package hubspottest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

// maxAssociationCreates caps association batch writes ("Batch create associations:
// limited to 2,000 inputs per request body", associations v4 guide, Limits; the
// default-association batch is taken to share it, INFERENCE).
const maxAssociationCreates = 2000

// objectIDIn is PublicObjectId; the docs' examples send ids as numbers too.
type objectIDIn struct {
	ID json.RawMessage `json:"id"`
}

func (o objectIDIn) String() string { return rawString(o.ID) }

// pairIn is one input of an association batch write (PublicAssociationMultiPost,
// PublicDefaultAssociationMultiPost, which has no types).
type pairIn struct {
	From  objectIDIn    `json:"from"`
	To    objectIDIn    `json:"to"`
	Types []assocSpecIn `json:"types"`
}

// assocSpecIn is AssociationSpec.
type assocSpecIn struct {
	Category string `json:"associationCategory"`
	TypeID   int    `json:"associationTypeId"`
}

// resolveSpecs finds the kinds of the types asked for an association from → to
// ("" for whatever object the type leads to); msg says what is wrong. Only the
// HUBSPOT_DEFINED types of reference §5.2 exist in the fake.
func resolveSpecs(from, to string, specs []assocSpecIn) (dirs []assocDir, msg string) {
	if len(specs) == 0 {
		return nil, "No association types given"
	}
	for _, sp := range specs {
		d, ok := kindOf(from, to, sp.TypeID)
		if !ok || sp.Category != "HUBSPOT_DEFINED" || to == "" && len(dirs) > 0 && d.to() != dirs[0].to() {
			return nil, fmt.Sprintf("Association type %s %d is not defined from %s to %s", sp.Category, sp.TypeID, from, cmp.Or(to, "that object"))
		}
		dirs = append(dirs, d)
	}
	return dirs, ""
}

// assocBatchOut is the batch answer of the v4 association endpoints.
type assocBatchOut[T any] struct {
	Status      string        `json:"status"`
	Results     []T           `json:"results"`
	NumErrors   int           `json:"numErrors,omitempty"`
	Errors      []standardErr `json:"errors,omitempty"`
	StartedAt   string        `json:"startedAt"`
	CompletedAt string        `json:"completedAt"`
}

func newAssocBatch[T any](s *Server) assocBatchOut[T] {
	now := formatTime(s.now())
	return assocBatchOut[T]{Status: "COMPLETE", Results: []T{}, StartedAt: now, CompletedAt: now}
}

// send answers ok, or partial when some inputs failed.
func (out assocBatchOut[T]) send(w http.ResponseWriter, ok, partial int) {
	if len(out.Errors) > 0 {
		out.NumErrors, ok = len(out.Errors), partial
	}
	writeJSON(w, ok, out)
}

// pairMissing is the per-input error of a write naming a record that is not live
// (INFERENCE: HubSpot's body is not captured; shaped like the batch read's).
func pairMissing(from, to *objectType, fromID, toID string) standardErr {
	return standardErr{Status: "error", Category: "OBJECT_NOT_FOUND",
		Message: fmt.Sprintf("No %s %s or no %s %s to associate.", from.label, fromID, to.label, toID),
		Context: map[string][]string{"fromObjectId": {fromID}, "toObjectId": {toID}}, Errors: []errorDetail{}, Links: map[string]string{}}
}

// labelsOut is LabelsBetweenObjectPair.
type labelsOut struct {
	FromObjectTypeID string   `json:"fromObjectTypeId"`
	FromObjectID     string   `json:"fromObjectId"`
	ToObjectTypeID   string   `json:"toObjectTypeId"`
	ToObjectID       string   `json:"toObjectId"`
	Labels           []string `json:"labels"`
}

func labelsOf(from, to *objectType, fromID, toID int64, dirs []assocDir) labelsOut {
	out := labelsOut{FromObjectTypeID: from.typeID, FromObjectID: strconv.FormatInt(fromID, 10),
		ToObjectTypeID: to.typeID, ToObjectID: strconv.FormatInt(toID, 10), Labels: []string{}}
	for _, d := range dirs {
		if d.kind.label != "" {
			out.Labels = append(out.Labels, d.kind.label)
		}
	}
	return out
}

// batchCreateAssociations serves POST /crm/v4/associations/{from}/{to}/batch/create
// (reference §5.3): each pair gets exactly the labels asked (replacing others) and
// the default association; 201, or 207 naming the pairs whose records are missing.
// An undefined type refuses the whole batch (INFERENCE).
func (s *Server) batchCreateAssociations(w http.ResponseWriter, r *http.Request) {
	from, to, inputs, ok := assocBatch[pairIn](s, w, r, maxAssociationCreates)
	if !ok {
		return
	}
	dirs := make([][]assocDir, len(inputs))
	for i, input := range inputs {
		var msg string
		if dirs[i], msg = resolveSpecs(from.name, to.name, input.Types); msg != "" {
			validationError(w, msg)
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := newAssocBatch[labelsOut](s)
	for i, input := range inputs {
		f, t := from.live(input.From.String()), to.live(input.To.String())
		if f == nil || t == nil {
			out.Errors = append(out.Errors, pairMissing(from, to, input.From.String(), input.To.String()))
			continue
		}
		s.setLabels(from.name, to.name, f.id, t.id, dirs[i])
		out.Results = append(out.Results, labelsOf(from, to, f.id, t.id, dirs[i]))
	}
	out.send(w, http.StatusCreated, http.StatusMultiStatus)
}

// defaultOut is PublicDefaultAssociation.
type defaultOut struct {
	From objectIDOut `json:"from"`
	To   objectIDOut `json:"to"`
	Spec struct {
		Category string `json:"associationCategory"`
		TypeID   int    `json:"associationTypeId"`
	} `json:"associationSpec"`
}

// associateDefault gives a live pair the default association; false when either
// record is missing or the two types have no default association.
func (s *Server) associateDefault(from, to *objectType, fromID, toID string) (defaultOut, bool) {
	var out defaultOut
	d, ok := defaultKind(from.name, to.name)
	f, t := from.live(fromID), to.live(toID)
	if !ok || f == nil || t == nil {
		return out, false
	}
	s.relate(d, f.id, t.id)
	out.From.ID, out.To.ID = fromID, toID
	out.Spec.Category, out.Spec.TypeID = "HUBSPOT_DEFINED", d.typeID()
	return out, true
}

// batchAssociateDefault serves POST /crm/v4/associations/{from}/{to}/batch/associate/default
// (reference §5.3): 200, the only status the spec lists, with the pairs whose
// records are missing among the body's errors (INFERENCE).
func (s *Server) batchAssociateDefault(w http.ResponseWriter, r *http.Request) {
	from, to, inputs, ok := assocBatch[pairIn](s, w, r, maxAssociationCreates)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := newAssocBatch[defaultOut](s)
	for _, input := range inputs {
		res, ok := s.associateDefault(from, to, input.From.String(), input.To.String())
		if !ok {
			out.Errors = append(out.Errors, pairMissing(from, to, input.From.String(), input.To.String()))
			continue
		}
		out.Results = append(out.Results, res)
	}
	out.send(w, http.StatusOK, http.StatusOK)
}

// putDefaultAssociation serves PUT /crm/v4/objects/{from}/{fromId}/associations/default/{to}/{toId}
// (reference §5.3): 200 with the batch answer, 404 when a record is missing.
func (s *Server) putDefaultAssociation(w http.ResponseWriter, r *http.Request) {
	from, to := s.assocObjects(w, r.PathValue("fromObjectType"), r.PathValue("toObjectType"))
	if from == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	res, ok := s.associateDefault(from, to, r.PathValue("fromObjectId"), r.PathValue("toObjectId"))
	if !ok {
		pairNotFound(w, r.PathValue("fromObjectId"), r.PathValue("toObjectId"))
		return
	}
	out := newAssocBatch[defaultOut](s)
	out.Results = append(out.Results, res)
	out.send(w, http.StatusOK, http.StatusOK)
}

func pairNotFound(w http.ResponseWriter, fromID, toID string) {
	writeError(w, http.StatusNotFound, apiError{Category: "OBJECT_NOT_FOUND", Message: "resource not found",
		Context: map[string][]string{"id": {fromID, toID}}})
}

// putLabelledAssociation serves PUT /crm/v4/objects/{from}/{fromId}/associations/{to}/{toId}
// with a list of AssociationSpec (reference §5.3): the pair gets exactly those
// labels and the default association; 201 LabelsBetweenObjectPair.
func (s *Server) putLabelledAssociation(w http.ResponseWriter, r *http.Request) {
	from, to := s.assocObjects(w, r.PathValue("objectType"), r.PathValue("toObjectType"))
	if from == nil {
		return
	}
	var specs []assocSpecIn
	if !decode(w, r, &specs) {
		return
	}
	dirs, msg := resolveSpecs(from.name, to.name, specs)
	if msg != "" {
		validationError(w, msg)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f, t := from.live(r.PathValue("objectId")), to.live(r.PathValue("toObjectId"))
	if f == nil || t == nil {
		pairNotFound(w, r.PathValue("objectId"), r.PathValue("toObjectId"))
		return
	}
	s.setLabels(from.name, to.name, f.id, t.id, dirs)
	writeJSON(w, http.StatusCreated, labelsOf(from, to, f.id, t.id, dirs))
}
