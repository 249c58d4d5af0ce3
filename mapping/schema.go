package mapping

import (
	"encoding"
	"encoding/json"
	"reflect"
	"strings"
)

// Schema is the shape of the answer documents, used at load time to check that every
// path names something Lusha can return. The zero Schema knows no root: use SchemaOf.
type Schema struct {
	roots map[string]*shape // "contact", "company"
}

type shapeKind int

const (
	kindOpen   shapeKind = iota // anything goes below (maps, any, json.RawMessage)
	kindScalar                  // string, number, bool
	kindObject
	kindArray
)

func (k shapeKind) String() string {
	return [...]string{"open", "scalar", "object", "array"}[k]
}

// shape is one node of a Schema; struct types that refer to themselves share nodes.
type shape struct {
	kind   shapeKind
	fields map[string]*shape
	order  []string // field names in declaration order, for stable suggestions
	elem   *shape
}

var (
	openShape   = &shape{kind: kindOpen}
	scalarShape = &shape{kind: kindScalar}
)

// SchemaOf derives a Schema from the Go types the answers decode into, through their
// json tags: structs are objects, slices and arrays are arrays, pointers are followed,
// and maps, interfaces and json.RawMessage are open (any path below them is accepted).
// Types implementing json.Marshaler or encoding.TextMarshaler (time.Time…) are scalars.
// A nil type leaves that root out: every path under it is then an error.
//
// Two types, one per root, cover the usual case; to accept the fields of several types
// for one root (the search preview merged with the enriched contact), merge schemas:
//
//	s := mapping.SchemaOf(reflect.TypeFor[lusha.EnrichedContact](), reflect.TypeFor[lusha.EnrichedCompany]()).
//		Merge(mapping.SchemaOf(reflect.TypeFor[lusha.ContactPreview](), nil))
func SchemaOf(contact, company reflect.Type) Schema {
	s := Schema{roots: map[string]*shape{}}
	memo := map[reflect.Type]*shape{}
	if contact != nil {
		s.roots[rootContact] = shapeOf(contact, memo)
	}
	if company != nil {
		s.roots[rootCompany] = shapeOf(company, memo)
	}
	return s
}

// SignalSchemaOf derives the Schema of the signal. paths (the data of the signals a
// mapping's signals: act on) from their Go type; merge it with the answers' Schema.
// Without it, signal. paths are checked only for their grammar.
func SignalSchemaOf(data reflect.Type) Schema {
	return Schema{roots: map[string]*shape{rootSignal: shapeOf(data, map[reflect.Type]*shape{})}}
}

// has tells whether s checks the paths under root: a nil Schema checks none, and
// a Schema without the signal root leaves signal. paths to their grammar.
func (s *Schema) has(root string) bool {
	if s == nil {
		return false
	}
	_, ok := s.roots[root]
	return ok || root != rootSignal
}

// Merge returns a Schema accepting the paths of both s and o. Where they disagree on a
// node's kind, the node becomes open.
func (s Schema) Merge(o Schema) Schema {
	out := Schema{roots: map[string]*shape{}}
	memo := map[[2]*shape]*shape{}
	for _, root := range []string{rootContact, rootCompany, rootSignal} {
		if merged := mergeShapes(s.roots[root], o.roots[root], memo); merged != nil {
			out.roots[root] = merged
		}
	}
	return out
}

var (
	rawMessageType    = reflect.TypeFor[json.RawMessage]()
	jsonMarshalerType = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
)

func shapeOf(t reflect.Type, memo map[reflect.Type]*shape) *shape {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if s, ok := memo[t]; ok {
		return s
	}
	switch {
	case t == rawMessageType:
		return openShape
	case t.Implements(jsonMarshalerType), reflect.PointerTo(t).Implements(jsonMarshalerType),
		t.Implements(textMarshalerType), reflect.PointerTo(t).Implements(textMarshalerType):
		return scalarShape
	}
	switch t.Kind() {
	case reflect.Struct:
		s := &shape{kind: kindObject, fields: map[string]*shape{}}
		memo[t] = s // before the fields: a recursive type points back at s
		addStructFields(s, t, memo)
		return s
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return scalarShape // []byte is a base64 string in JSON
		}
		s := &shape{kind: kindArray}
		memo[t] = s
		s.elem = shapeOf(t.Elem(), memo)
		return s
	case reflect.String, reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32,
		reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return scalarShape
	default: // maps, interfaces, and kinds JSON cannot hold
		return openShape
	}
}

// addStructFields follows encoding/json: exported fields, tag names, "-" skipped,
// ",string" makes a scalar, untagged embedded structs are flattened.
func addStructFields(s *shape, t reflect.Type, memo map[reflect.Type]*shape) {
	for f := range t.Fields() {
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if f.Anonymous && name == "" && ft.Kind() == reflect.Struct {
			addStructFields(s, ft, memo)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		fs := shapeOf(f.Type, memo)
		if strings.Contains(","+opts+",", ",string,") {
			fs = scalarShape
		}
		if _, dup := s.fields[name]; !dup {
			s.order = append(s.order, name)
		}
		s.fields[name] = fs
	}
}

func mergeShapes(a, b *shape, memo map[[2]*shape]*shape) *shape {
	switch {
	case a == nil:
		return b
	case b == nil || a == b:
		return a
	case a.kind == kindOpen || b.kind == kindOpen || a.kind != b.kind:
		return openShape
	case a.kind == kindScalar:
		return scalarShape
	}
	if m, ok := memo[[2]*shape{a, b}]; ok {
		return m
	}
	m := &shape{kind: a.kind}
	memo[[2]*shape{a, b}] = m
	if a.kind == kindArray {
		m.elem = mergeShapes(a.elem, b.elem, memo)
		return m
	}
	m.fields = map[string]*shape{}
	for _, from := range []*shape{a, b} {
		for _, name := range from.order {
			if _, seen := m.fields[name]; !seen {
				m.order = append(m.order, name)
				m.fields[name] = mergeShapes(a.fields[name], b.fields[name], memo)
			}
		}
	}
	return m
}
