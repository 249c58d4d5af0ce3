package salesforcetest

import (
	"maps"
	"slices"
	"strings"
)

// checkRefs checks the lookups among a record's saved values, as the org's save does:
// a Contact's AccountId, an Account's ParentId. The caller holds s.mu.
func (s *Server) checkRefs(o *object, values map[string]string) []recordError {
	var errs []recordError
	for _, name := range slices.Sorted(maps.Keys(values)) {
		if f, ok := o.field(name); ok {
			if e := s.checkRef(f, values[name]); e != nil {
				errs = append(errs, *e)
			}
		}
	}
	return errs
}

// checkRef checks one lookup value (an 18-char id). An id of another object's key
// prefix fails with FIELD_INTEGRITY_EXCEPTION "<Label>: id value of incorrect type"
// (observed in jsforce/jsforce#1006 for a Task's WhoId given an Account id); an id
// naming no record with INVALID_CROSS_REFERENCE_KEY, and a record in the recycle bin
// with ENTITY_IS_DELETED (INFERENCE: the codes of the StatusCode enum that the save of
// a lookup answers, as recalled; the reference lists neither case). Lookups that may
// point to an object the fake does not hold (OwnerId: User or Group) go unchecked.
func (s *Server) checkRef(f Field, id string) *recordError {
	if f.Type != "reference" || id == "" || len(f.ReferenceTo) == 0 {
		return nil
	}
	fail := func(code, msg string) *recordError {
		return &recordError{StatusCode: code, Message: msg, Fields: []string{f.Name}}
	}
	for _, name := range f.ReferenceTo {
		if _, ok := s.objects[strings.ToLower(name)]; !ok {
			return nil
		}
	}
	for _, name := range f.ReferenceTo {
		t := s.objects[strings.ToLower(name)]
		if !strings.HasPrefix(id, t.prefix) {
			continue
		}
		switch r := t.records[id]; {
		case r == nil:
			return fail("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")
		case r.deleted:
			return fail("ENTITY_IS_DELETED", "entity is deleted")
		}
		return nil
	}
	return fail("FIELD_INTEGRITY_EXCEPTION", f.Label+": id value of incorrect type: "+id)
}
