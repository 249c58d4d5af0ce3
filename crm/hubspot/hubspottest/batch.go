package hubspottest

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"
)

const maxBatchInputs = 100

// batchOut is BatchResponseSimplePublicObject(WithErrors).
type batchOut struct {
	Status      string        `json:"status"`
	Results     []objectOut   `json:"results"`
	NumErrors   int           `json:"numErrors,omitempty"`
	Errors      []standardErr `json:"errors,omitempty"`
	StartedAt   string        `json:"startedAt"`
	CompletedAt string        `json:"completedAt"`
}

// standardErr is one per-item error of a 207. The captured bodies lack "errors" and
// "links"; they are sent empty because the spec requires them.
type standardErr struct {
	Status   string              `json:"status"`
	Category string              `json:"category"`
	Message  string              `json:"message"`
	Context  map[string][]string `json:"context"`
	Errors   []errorDetail       `json:"errors"`
	Links    map[string]string   `json:"links"`
}

func notFound(o *objectType, ids []string) standardErr {
	return standardErr{Status: "error", Category: "OBJECT_NOT_FOUND",
		Message: "Could not get some " + o.label + " objects, they may be deleted or not exist. Check that ids are valid.",
		Context: map[string][]string{"ids": ids}, Errors: []errorDetail{}, Links: map[string]string{}}
}

// finish sends 200, or 207 when some inputs failed.
func finish(w http.ResponseWriter, o *objectType, started time.Time, out batchOut, missing []string) {
	out.Status = "COMPLETE"
	out.StartedAt, out.CompletedAt = formatTime(started), formatTime(started)
	if out.Results == nil {
		out.Results = []objectOut{}
	}
	status := http.StatusOK
	if len(missing) > 0 {
		out.Errors, out.NumErrors = []standardErr{notFound(o, missing)}, 1
		status = http.StatusMultiStatus
	}
	writeJSON(w, status, out)
}

// withinCap refuses a batch of more than limit inputs with a 400, as HubSpot does.
func withinCap(w http.ResponseWriter, n, limit int) bool {
	if n > limit {
		validationError(w, fmt.Sprintf("Batch input size %d exceeds the limit of %d", n, limit))
		return false
	}
	return true
}

// decodeInputs reads a body that holds only {"inputs": [...]}, at most limit of them.
func decodeInputs[T any](w http.ResponseWriter, r *http.Request, limit int) ([]T, bool) {
	var in struct {
		Inputs []T `json:"inputs"`
	}
	if !decode(w, r, &in) || !withinCap(w, len(in.Inputs), limit) {
		return nil, false
	}
	return in.Inputs, true
}

func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 8<<20)).Decode(v); err != nil {
		validationError(w, "Invalid input JSON: "+err.Error())
		return false
	}
	return true
}

type batchReadIn struct {
	Inputs     []struct{ ID string } `json:"inputs"`
	Properties []string              `json:"properties"`
	IDProperty string                `json:"idProperty"`
}

func (s *Server) batchRead(w http.ResponseWriter, r *http.Request, o *objectType) {
	var in batchReadIn
	if !decode(w, r, &in) || !withinCap(w, len(in.Inputs), maxBatchInputs) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	started := s.now()
	var out batchOut
	var missing []string
	for _, input := range in.Inputs {
		c := o.live(input.ID)
		if in.IDProperty != "" && in.IDProperty != "hs_object_id" {
			c = o.byUnique(in.IDProperty, input.ID)
		}
		if c == nil {
			missing = append(missing, input.ID)
			continue
		}
		out.Results = append(out.Results, o.render(c.props, in.Properties))
	}
	finish(w, o, started, out, missing)
}

type batchUpdateIn struct {
	Inputs []struct {
		ID         string            `json:"id"`
		IDProperty string            `json:"idProperty"`
		Properties map[string]string `json:"properties"`
	} `json:"inputs"`
}

func (s *Server) batchUpdate(w http.ResponseWriter, r *http.Request, o *objectType) {
	var in batchUpdateIn
	if !decode(w, r, &in) || !checkUpdateInputs(w, in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	started := s.now()
	// Validation comes first and covers every input: one bad value refuses the whole
	// batch, nothing is written (reference §4.3).
	normalized := make([]map[string]string, len(in.Inputs))
	var invalid []valueError
	for i, input := range in.Inputs {
		var current map[string]string
		if c := o.live(input.ID); c != nil {
			current = c.props
		}
		normalized[i], invalid = o.validate(input.Properties, current, invalid)
	}
	if len(invalid) > 0 {
		writeValueErrors(w, invalid)
		return
	}
	var stamp time.Time
	var out batchOut
	var missing []string
	for i, input := range in.Inputs {
		c := o.live(input.ID)
		if c == nil {
			missing = append(missing, input.ID)
			continue
		}
		if apply(c, normalized[i]) {
			if stamp.IsZero() {
				stamp = s.writeStamp()
			}
			o.setModified(c, stamp)
			s.reindex(c)
		}
		out.Results = append(out.Results, o.render(c.props, slices.Collect(maps.Keys(input.Properties))))
	}
	finish(w, o, started, out, missing)
}

// checkUpdateInputs refuses batches HubSpot refuses before looking at values.
func checkUpdateInputs(w http.ResponseWriter, in batchUpdateIn) bool {
	if !withinCap(w, len(in.Inputs), maxBatchInputs) {
		return false
	}
	seen := map[string]bool{}
	var dups []string
	for _, input := range in.Inputs {
		if input.IDProperty != "" && input.IDProperty != "hs_object_id" {
			validationError(w, "Unable to perform update/upsert by non-unique 0-1 property")
			return false
		}
		if seen[input.ID] && !slices.Contains(dups, input.ID) {
			dups = append(dups, input.ID)
		}
		seen[input.ID] = true
	}
	if len(dups) > 0 {
		writeError(w, http.StatusBadRequest, apiError{Category: "VALIDATION_ERROR",
			Message: "Duplicate IDs found in batch input: [" + strings.Join(dups, ", ") + "]. IDs must be unique",
			Context: map[string][]string{"ids": dups}})
		return false
	}
	return true
}

// validate checks one input's values and returns them normalized, appending what it
// refuses to invalid.
func (o *objectType) validate(props, current map[string]string, invalid []valueError) (map[string]string, []valueError) {
	out := make(map[string]string, len(props))
	for _, name := range slices.Sorted(maps.Keys(props)) {
		p, ok := o.props[name]
		switch {
		case !ok:
			invalid = append(invalid, valueError{Name: name, Code: "PROPERTY_DOESNT_EXIST",
				Message: fmt.Sprintf("Property %q does not exist", name)})
		case !p.writable():
			// Code name not captured from the real API (reference §7.3).
			invalid = append(invalid, valueError{Name: name, Code: "READ_ONLY_VALUE",
				Message: fmt.Sprintf("Property %q is read-only", name)})
		default:
			v, verr := p.normalize(props[name], current[name])
			if verr != nil {
				invalid = append(invalid, *verr)
				continue
			}
			out[name] = v
		}
	}
	return out, invalid
}

// apply writes normalized values and reports whether anything changed.
func apply(c *record, values map[string]string) bool {
	changed := false
	for name, v := range values {
		if c.props[name] != v {
			setValue(c.props, name, v)
			changed = true
		}
	}
	return changed
}

// writeValueErrors sends the whole-batch 400 of reference §4.3: the list as JSON in
// the message and as structured errors[].
func writeValueErrors(w http.ResponseWriter, invalid []valueError) {
	type item struct {
		IsValid bool   `json:"isValid"`
		Message string `json:"message"`
		Error   string `json:"error"`
		Name    string `json:"name"`
	}
	items := make([]item, len(invalid))
	details := make([]errorDetail, len(invalid))
	for i, e := range invalid {
		items[i] = item{Message: e.Message, Error: e.Code, Name: e.Name}
		details[i] = errorDetail{Message: e.Message, Code: e.Code, Context: map[string][]string{"propertyName": {e.Name}}}
	}
	list, _ := json.Marshal(items)
	writeError(w, http.StatusBadRequest, apiError{Category: "VALIDATION_ERROR",
		Message: "Property values were not valid: " + string(list), Errors: details})
}
