package salesforcetest

import (
	"encoding/json"
	"strings"
)

// prepareCreate checks one record of a collection create: a type, no id ("don't set
// the id field for any object", REST API guide, "Create Records Using sObject
// Collections"), values its fields can hold, lookups to existing records, and every
// required field the org does not fill itself (reference §4.6 items 1-7). The caller
// holds s.mu.
func (s *Server) prepareCreate(body map[string]json.RawMessage) (*pendingSave, []recordError, *requestError) {
	o, errs := s.typeOf(body)
	if errs != nil {
		return nil, errs, nil
	}
	values, fieldErrs, rerr := o.validate(body)
	if rerr != nil {
		return nil, nil, rerr
	}
	if idOf(body) != "" {
		// INFERENCE: the code and text of a create that names an id, as recalled.
		return nil, []recordError{{StatusCode: "INVALID_FIELD", Message: "cannot specify Id in an insert call",
			Fields: []string{"Id"}}}, nil
	}
	if len(fieldErrs) > 0 {
		return nil, fieldErrs, nil
	}
	if e := o.missingRequired(values); e != nil {
		return nil, []recordError{*e}, nil
	}
	if errs := s.checkRefs(o, values); len(errs) > 0 {
		return nil, errs, nil
	}
	return &pendingSave{obj: o, values: values}, nil, nil
}

// missingRequired is REQUIRED_FIELD_MISSING for the required fields a create leaves
// out: "Required fields are missing: [LastName, Company]" (reference §4.6 item 7).
// Read-only, defaulted and boolean fields are the org's to fill.
func (o *object) missingRequired(values map[string]string) *recordError {
	var missing []string
	for _, name := range o.order {
		f, _ := o.field(name)
		if f.Required && !f.ReadOnly && !f.Defaulted && f.Type != "boolean" && values[f.Name] == "" {
			missing = append(missing, f.Name)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return &recordError{StatusCode: "REQUIRED_FIELD_MISSING",
		Message: "Required fields are missing: [" + strings.Join(missing, ", ") + "]", Fields: missing}
}

// insertNew creates a validated record, stamped now like every save, and returns its
// id. A lead created without "Sforce-Auto-Assign: FALSE" runs the assignment rule,
// which applies to creates as to updates (reference §4.5).
func (s *Server) insertNew(p *pendingSave, autoAssign bool) string {
	r, err := s.newRecord(p.obj, p.obj.newID(), p.values, s.stamp())
	if err != nil {
		panic("salesforcetest: a validated record failed: " + err.Error())
	}
	if autoAssign && p.obj.name == "Lead" {
		r.values["OwnerId"] = s.queue
	}
	p.obj.insert(r)
	return r.id
}
