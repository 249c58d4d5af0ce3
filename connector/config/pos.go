package config

import (
	"fmt"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	yamlv3 "go.yaml.in/yaml/v3"

	"github.com/leadsync/leadsync/mapping"
)

var yamlLine = regexp.MustCompile(`^(?:.*\n\s*)?line (\d+): `)

// yamlError places a YAML parser's error at the line it names.
func yamlError(file string, err error) *Error {
	ce := &Error{File: file, Msg: strings.TrimPrefix(err.Error(), "yaml: ")}
	if m := yamlLine.FindStringSubmatch(ce.Msg); m != nil {
		ce.Line, _ = strconv.Atoi(m[1])
		ce.Col = 1
		ce.Msg = strings.TrimPrefix(ce.Msg, m[0]) // the position says it already
	}
	return ce
}

// parseNode parses the config file into a node tree, so that errors can name lines.
func parseNode(file string, data []byte) (*yamlv3.Node, error) {
	var doc yamlv3.Node
	if err := yamlv3.Unmarshal(data, &doc); err != nil {
		return nil, yamlError(file, err)
	}
	if len(doc.Content) == 0 {
		return &yamlv3.Node{Kind: yamlv3.MappingNode}, nil
	}
	return doc.Content[0], nil
}

// checkKeys walks the YAML tree alongside the Go type and reports every key the type
// does not have, with a suggestion when a known key is close.
func checkKeys(file string, n *yamlv3.Node, t reflect.Type) Errors {
	var errs Errors
	var walk func(n *yamlv3.Node, t reflect.Type, path string)
	walk = func(n *yamlv3.Node, t reflect.Type, path string) {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		switch {
		case t.Kind() == reflect.Struct && n.Kind == yamlv3.MappingNode:
			fields := structKeys(t)
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				ft, ok := fields[k.Value]
				if !ok {
					msg := "unknown key " + quote(k.Value)
					if s := nearest(k.Value, keysOf(fields)); s != "" {
						msg += fmt.Sprintf(", did you mean %q?", s)
					}
					errs = append(errs, &Error{File: file, Line: k.Line, Col: k.Column, Key: join(path, k.Value), Msg: msg})
					continue
				}
				walk(v, ft, join(path, k.Value))
			}
		case t.Kind() == reflect.Map && n.Kind == yamlv3.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				walk(n.Content[i+1], t.Elem(), join(path, n.Content[i].Value))
			}
		case t.Kind() == reflect.Slice && n.Kind == yamlv3.SequenceNode:
			for i, c := range n.Content {
				walk(c, t.Elem(), fmt.Sprintf("%s[%d]", path, i))
			}
		case t == durationType && n.Kind == yamlv3.ScalarNode && n.Tag != "!!str":
			errs = append(errs, &Error{File: file, Line: n.Line, Col: n.Column, Key: path,
				Msg: fmt.Sprintf("duration %s needs a unit (write e.g. 30s, 5m, 720h)", excerpt(n.Value, maxValue))})
		case t == durationType && n.Kind == yamlv3.ScalarNode:
			if _, err := time.ParseDuration(strings.TrimSpace(n.Value)); err != nil {
				errs = append(errs, &Error{File: file, Line: n.Line, Col: n.Column, Key: path,
					Msg: fmt.Sprintf("%s is not a duration (write e.g. 30s, 5m, 720h)", quote(n.Value))})
			}
		default:
			if msg := kindMismatch(n, t); msg != "" {
				errs = append(errs, &Error{File: file, Line: n.Line, Col: n.Column, Key: path, Msg: msg})
			}
		}
	}
	walk(n, t, "")
	return errs
}

// kindMismatch says why a node cannot hold a value of type t, or "".
func kindMismatch(n *yamlv3.Node, t reflect.Type) string {
	if n.Kind == yamlv3.AliasNode || (n.Kind == yamlv3.ScalarNode && n.Tag == "!!null") {
		return ""
	}
	want, ok := map[reflect.Kind]yamlv3.Kind{reflect.Struct: yamlv3.MappingNode, reflect.Map: yamlv3.MappingNode,
		reflect.Slice: yamlv3.SequenceNode}[t.Kind()]
	if !ok {
		want = yamlv3.ScalarNode
	}
	names := map[yamlv3.Kind]string{yamlv3.MappingNode: "a mapping", yamlv3.SequenceNode: "a list", yamlv3.ScalarNode: "a single value"}
	if n.Kind != want {
		if t.Kind() == reflect.Slice && n.Kind == yamlv3.ScalarNode {
			return "" // a single value stands for a list of one
		}
		return fmt.Sprintf("expected %s, found %s", names[want], names[n.Kind])
	}
	if want != yamlv3.ScalarNode {
		return ""
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int64, reflect.Int32:
		if _, err := strconv.ParseInt(n.Value, 0, 64); err != nil {
			return fmt.Sprintf("%s is not a whole number", quote(n.Value))
		}
	case reflect.Float64, reflect.Float32:
		if f, err := strconv.ParseFloat(n.Value, 64); err != nil || math.IsInf(f, 0) {
			return fmt.Sprintf("%s is not a number", quote(n.Value))
		}
	case reflect.Bool:
		if _, err := strconv.ParseBool(n.Value); err != nil {
			return fmt.Sprintf("%s is not true or false", quote(n.Value))
		}
	}
	return ""
}

// nearest suggests a known key close to an unknown one. A key far longer than any
// known one is no typo, and comparing it costs time in its length.
func nearest(key string, known []string) string {
	if len(key) > maxValue {
		return ""
	}
	return mapping.Nearest(key, known)
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func structKeys(t reflect.Type) map[string]reflect.Type {
	m := map[string]reflect.Type{}
	for f := range t.Fields() {
		if tag := f.Tag.Get("koanf"); tag != "" && tag != "-" {
			m[tag] = f.Type
		}
	}
	return m
}

func keysOf(m map[string]reflect.Type) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// knownPath tells whether a dotted key path exists in the config type (map keys are free).
func knownPath(t reflect.Type, path []string) bool {
	for _, seg := range path {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		switch t.Kind() {
		case reflect.Struct:
			ft, ok := structKeys(t)[seg]
			if !ok {
				return false
			}
			t = ft
		case reflect.Map:
			t = t.Elem()
		default:
			return false // lists and scalars cannot be addressed by a variable
		}
	}
	return true
}

// posOf finds the line and column of a dotted path ("pipelines.0.mapping") in the tree.
func posOf(n *yamlv3.Node, path ...string) (int, int) {
	line, col := 0, 0
	for _, seg := range path {
		if n == nil {
			break
		}
		var next *yamlv3.Node
		switch n.Kind {
		case yamlv3.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == seg {
					line, col = n.Content[i].Line, n.Content[i].Column
					next = n.Content[i+1]
				}
			}
		case yamlv3.SequenceNode:
			if i, err := strconv.Atoi(seg); err == nil && i < len(n.Content) {
				next = n.Content[i]
				line, col = next.Line, next.Column
			}
		}
		n = next
	}
	return line, col
}

// isEmpty tells whether a parsed file sets nothing: no document, only comments, ~ or {}.
func isEmpty(doc *yamlv3.Node) bool {
	return (doc.Kind == yamlv3.MappingNode && len(doc.Content) == 0) ||
		(doc.Kind == yamlv3.ScalarNode && doc.Tag == "!!null")
}

// ErrorAt makes an error about the key at path ("crms", "hs", "token"), placed where
// the file sets it; a key the file leaves out is placed at its nearest ancestor, or at
// the file's start.
func (c *Config) ErrorAt(msg string, path ...string) *Error {
	e := &Error{File: c.path, Key: keyOf(path), Msg: msg}
	if c.doc != nil {
		e.Line, e.Col = posOf(c.doc, path...)
		if e.Line == 0 {
			e.Line, e.Col = 1, 1
		}
	}
	return e
}
