package hubspot

import (
	"encoding/json"
	"strings"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/internal/httpx"
)

// propertyError is one refused property, from either the structured errors[] of a
// 400 or the JSON list embedded in its message.
type propertyError struct {
	property, code, message string
}

// isolate removes the properties a whole-batch 400 pins on records from the patches
// that carry them and records them as FieldErrors. It reports false when the answer
// pins nothing in the batch: the caller halves it instead.
func (w *write) isolate(b errorBody, pending []crm.Patch) ([]crm.Patch, bool) {
	removed := false
	for _, pe := range propertyErrors(b) {
		for _, i := range offenders(pe, pending) {
			p := pending[i]
			delete(p.Fields, pe.property)
			w.rejected[p.RecordID] = append(w.rejected[p.RecordID],
				crm.FieldError{Field: pe.property, Code: pe.code, Message: pe.message})
			removed = true
		}
	}
	return pending, removed
}

// names reports whether a whole-batch 400 names a property that some pending record
// writes. One that does not is about the batch itself: halving would only repeat it.
func names(b errorBody, pending []crm.Patch) bool {
	for _, pe := range propertyErrors(b) {
		for _, p := range pending {
			if _, ok := p.Fields[pe.property]; ok {
				return true
			}
		}
	}
	return false
}

// propertyCodes refuse a property whatever its value: every record writing it is at
// fault. READ_ONLY_VALUE is the fake's name for the read-only refusal, which was never
// captured (reference §7.3); another name only costs a split.
var propertyCodes = map[string]bool{"PROPERTY_DOESNT_EXIST": true, "READ_ONLY_VALUE": true}

// offenders picks the patches a property error is about. HubSpot does not say which
// input failed. A record alone in the batch is the one; a property refused whatever
// its value blames every record writing it; value errors (INVALID_OPTION,
// INVALID_DATE, …) start their message with the refused value, or with the refused
// part of a multi-select value, which picks the records holding it. Otherwise nobody
// is blamed: halving the batch finds the record, where blaming every record writing
// the property would refuse good values.
func offenders(pe propertyError, pending []crm.Patch) []int {
	var carrying, matching []int
	for i, p := range pending {
		v, ok := p.Fields[pe.property]
		if !ok {
			continue
		}
		carrying = append(carrying, i)
		if mentions(pe.message, v) {
			matching = append(matching, i)
		}
	}
	if len(pending) == 1 || propertyCodes[pe.code] {
		return carrying
	}
	return matching
}

// mentions reports whether a value error's message starts with the value or with one
// of its ";"-separated parts.
func mentions(msg, value string) bool {
	for _, v := range append([]string{value}, strings.Split(value, ";")...) {
		if v != "" && (strings.HasPrefix(msg, v+" ") || strings.HasPrefix(msg, `"`+v+`"`)) {
			return true
		}
	}
	return false
}

func propertyErrors(b errorBody) []propertyError {
	var out []propertyError
	for _, d := range b.Errors {
		for _, name := range d.Context["propertyName"] {
			out = append(out, propertyError{property: name, code: d.Code, message: d.Message})
		}
	}
	if len(out) > 0 {
		return out
	}
	return embeddedPropertyErrors(b.Message)
}

// embeddedPropertyErrors reads "Property values were not valid: [{…}]", the only
// detail some 400 answers carry.
func embeddedPropertyErrors(msg string) []propertyError {
	_, list, ok := strings.Cut(msg, "were not valid: ")
	if !ok {
		return nil
	}
	var items []struct {
		Message string `json:"message"`
		Error   string `json:"error"`
		Name    string `json:"name"`
	}
	if json.Unmarshal([]byte(list), &items) != nil {
		return nil
	}
	out := make([]propertyError, 0, len(items))
	for _, it := range items {
		if it.Name != "" {
			out = append(out, propertyError{property: it.Name, code: it.Error, message: it.Message})
		}
	}
	return out
}

// batchItemErrors maps the per-record errors of a 207 answer to record ids.
type batchItemErrors struct {
	byID     map[string]*crm.Error
	unplaced *crm.Error // an item error whose ids match no input (HubSpot echoes odd ids as "")
}

func itemErrors(op string, errs []standardError) batchItemErrors {
	out := batchItemErrors{byID: map[string]*crm.Error{}}
	for _, se := range errs {
		e := &crm.Error{Service: service, Op: op, Class: itemClass(se.Category), Status: 207,
			Code: se.Category, Message: httpx.Excerpt(se.Message)}
		placed := false
		for _, id := range se.Context["ids"] {
			if id != "" {
				out.byID[id], placed = e, true
			}
		}
		if !placed && out.unplaced == nil {
			out.unplaced = e
		}
	}
	return out
}

func (b batchItemErrors) of(id string) *crm.Error {
	if e := b.byID[id]; e != nil {
		return e
	}
	return b.unplaced
}

// itemClass classifies one record's failure inside a 207. A record that no longer
// exists (deleted, merged away) cannot be written until something changes, like a
// refused value: invalid parks it with the reason.
func itemClass(category string) crm.Class {
	switch category {
	case "OBJECT_NOT_FOUND", "VALIDATION_ERROR":
		return crm.ClassInvalid
	case "CONFLICT":
		return crm.ClassConflict
	case "RATE_LIMITS":
		return crm.ClassRateLimited
	}
	return crm.ClassUnavailable
}
