package hubspottest

import (
	"maps"
	"net/http"
	"slices"
	"strings"
)

// upsertKeys are the properties batch upsert may match on: contacts by email,
// companies by domain (their de-duplication keys, reference §4.4, §5.1).
var upsertKeys = map[string]string{"contacts": "email", "companies": "domain"}

type upsertIn struct {
	Inputs []struct {
		ID         string            `json:"id"`
		IDProperty string            `json:"idProperty"`
		Properties map[string]string `json:"properties"`
	} `json:"inputs"`
}

// upsertOut is SimplePublicUpsertObject.
type upsertOut struct {
	objectOut
	New bool `json:"new"`
}

// batchUpsert serves POST …/batch/upsert. Matching on email refuses the whole batch
// when one value is invalid ("partial upserts are not supported when using email");
// on other keys each invalid input fails alone in a 207.
func (s *Server) batchUpsert(w http.ResponseWriter, r *http.Request, o *objectType) {
	var in upsertIn
	if !decode(w, r, &in) || !withinCap(w, len(in.Inputs), maxBatchInputs) {
		return
	}
	key := upsertKeys[o.name]
	for _, input := range in.Inputs {
		if input.IDProperty == "" || input.IDProperty != key || input.ID == "" {
			validationError(w, "Unable to perform update/upsert by non-unique "+o.typeID+" property "+input.IDProperty)
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	started := s.now()
	normalized := make([]map[string]string, len(in.Inputs))
	itemErrs := make([][]valueError, len(in.Inputs))
	var all []valueError
	for i, input := range in.Inputs {
		var current map[string]string
		if c := o.byUnique(key, input.ID); c != nil {
			current = c.props
		}
		normalized[i], itemErrs[i] = o.validate(input.Properties, current, nil)
		all = append(all, itemErrs[i]...)
	}
	if len(all) > 0 && key == "email" {
		writeValueErrors(w, all)
		return
	}
	out := struct {
		Status      string        `json:"status"`
		Results     []upsertOut   `json:"results"`
		NumErrors   int           `json:"numErrors,omitempty"`
		Errors      []standardErr `json:"errors,omitempty"`
		StartedAt   string        `json:"startedAt"`
		CompletedAt string        `json:"completedAt"`
	}{Status: "COMPLETE", Results: []upsertOut{}, StartedAt: formatTime(started), CompletedAt: formatTime(started)}
	stamp := s.writeStamp()
	for i, input := range in.Inputs {
		if len(itemErrs[i]) > 0 {
			out.Errors = append(out.Errors, upsertError(input.ID, itemErrs[i]))
			continue
		}
		c, created := o.byUnique(key, input.ID), false
		if c == nil {
			c, created = s.newRecord(o, stamp), true
			c.props[key] = strings.ToLower(input.ID)
		}
		if apply(c, normalized[i]) || created {
			o.setModified(c, stamp)
			s.reindex(c)
		}
		out.Results = append(out.Results, upsertOut{objectOut: o.render(c.props, slices.Collect(maps.Keys(input.Properties))), New: created})
	}
	status := http.StatusOK
	if len(out.Errors) > 0 {
		out.NumErrors, status = len(out.Errors), http.StatusMultiStatus
	}
	writeJSON(w, status, out)
}

func upsertError(id string, errs []valueError) standardErr {
	details := make([]errorDetail, len(errs))
	for i, e := range errs {
		details[i] = errorDetail{Message: e.Message, Code: e.Code, Context: map[string][]string{"propertyName": {e.Name}}}
	}
	return standardErr{Status: "error", Category: "VALIDATION_ERROR", Message: "Property values were not valid",
		Context: map[string][]string{"ids": {id}}, Errors: details, Links: map[string]string{}}
}
