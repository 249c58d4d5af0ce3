package run

import (
	"encoding/json"
	"reflect"
	"strings"
	"sync"

	"github.com/leadsync/leadsync/lusha"
)

// toDoc turns a typed Lusha answer into the JSON document the mapping reads, without
// the per-call fields that are no part of the person.
func toDoc(v any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, err
	}
	delete(doc, "clientReferenceId")
	delete(doc, "error")
	return doc, nil
}

// mergeDoc overlays an enriched answer on a search preview: what enrich returned wins.
func mergeDoc(preview, enriched map[string]any) map[string]any {
	out := make(map[string]any, len(preview)+len(enriched))
	for k, v := range preview {
		out[k] = v
	}
	for k, v := range enriched {
		out[k] = v
	}
	return out
}

func decodeDoc(b []byte) (map[string]any, error) {
	var doc map[string]any
	err := json.Unmarshal(b, &doc)
	return doc, err
}

// docStrings reads a list of strings (e.g. "has") from a document.
func docStrings(doc map[string]any, key string) []string {
	raw, _ := doc[key].([]any)
	out := make([]string, 0, len(raw))
	for _, v := range raw {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// docString reads a string at a dotted path.
func docString(doc map[string]any, path string) string {
	var cur any = doc
	for _, seg := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return ""
		}
		cur = m[seg]
	}
	s, _ := cur.(string)
	return s
}

var (
	previewOnce  sync.Once
	previewPaths map[string]bool
)

// inPreview tells whether an answer path ("contact.jobTitle.title") is served by the
// free search preview, so that no enrich call is needed for it. It is derived from the
// client's ContactPreview type, not from a second hand-kept list.
func inPreview(path string) bool {
	previewOnce.Do(func() {
		previewPaths = map[string]bool{}
		collectPaths(reflect.TypeFor[lusha.ContactPreview](), "contact", previewPaths)
	})
	return previewPaths[stripSelectors(path)]
}

func collectPaths(t reflect.Type, prefix string, into map[string]bool) {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return
	}
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" || !f.IsExported() {
			continue
		}
		p := prefix + "." + name
		into[p] = true
		collectPaths(f.Type, p, into)
	}
}

// stripSelectors drops [0] and [type=mobile] parts: contact.phones[0].number → contact.phones.number.
func stripSelectors(path string) string {
	var b strings.Builder
	depth := 0
	for _, r := range path {
		switch {
		case r == '[':
			depth++
		case r == ']':
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return b.String()
}
