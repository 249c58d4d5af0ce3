package mapping

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/nyaruka/phonenumbers"
	"go.yaml.in/yaml/v3"
)

// Options tune Load and Parse.
type Options struct {
	// Schema, when set, makes every answer path an error unless the schema has it.
	// nil skips path validation (the paths' grammar is still checked).
	Schema *Schema
	// Name, when set, replaces the file name in error positions and Mapping.File, e.g.
	// the path as the user wrote it in the config rather than the resolved one.
	Name string
}

// Load reads and compiles the mapping file at path. A file that cannot be read is a
// plain error; a file with problems returns Errors.
func Load(path string, opts Options) (*Mapping, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("mapping: %w", err)
	}
	return Parse(path, data, opts)
}

// Parse compiles a mapping file's content; name is used in error positions. It returns
// every problem found as Errors, sorted by position.
func Parse(name string, data []byte, opts Options) (*Mapping, error) {
	if opts.Name != "" {
		name = opts.Name
	}
	p := &parser{file: name, schema: opts.Schema}
	m := p.parseFile(data)
	if len(p.errs) > 0 {
		return nil, p.errs.sorted()
	}
	m.File = name
	return m, nil
}

type parser struct {
	file   string
	schema *Schema
	errs   Errors
	// companies is set for a company mapping (its object holds companies), known
	// before match and fields are read: they are checked differently.
	companies bool
	inSignal  bool // parsing the writes of signals:, where signal. paths are read
}

func (p *parser) errorAt(line, col int, format string, args ...any) {
	p.errs = append(p.errs, &Error{File: p.file, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)})
}

func (p *parser) errorf(n *yaml.Node, format string, args ...any) {
	p.errorAt(n.Line, n.Column, format, args...)
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// document decodes the single YAML document in data, or reports why it cannot.
func (p *parser) document(data []byte) *yaml.Node {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			p.errorAt(1, 1, "empty mapping file: expected object, match and fields")
			return nil
		}
		if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
			line, _ := strconv.Atoi(m[1])
			p.errorAt(line, 0, "YAML syntax: %s", m[2])
		} else {
			p.errorAt(1, 0, "YAML syntax: %s", strings.TrimPrefix(err.Error(), "yaml: "))
		}
		return nil
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		p.errorAt(max(extra.Line, 1), extra.Column, "a mapping file holds one YAML document")
	}
	if len(doc.Content) == 0 {
		p.errorAt(1, 1, "empty mapping file: expected object, match and fields")
		return nil
	}
	return doc.Content[0]
}

// deref follows aliases to the node they name.
func deref(n *yaml.Node) *yaml.Node {
	for range 64 { // yaml rejects alias cycles; the bound keeps a surprise finite
		if n.Kind != yaml.AliasNode || n.Alias == nil {
			return n
		}
		n = n.Alias
	}
	return n
}

type pair struct {
	key   string
	kn, v *yaml.Node
}

// pairs returns the entries of a mapping node, reporting non-scalar and duplicate keys.
func (p *parser) pairs(n *yaml.Node, what string) []pair {
	n = deref(n)
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "%s must be a mapping", what)
		return nil
	}
	var out []pair
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		kn, v := deref(n.Content[i]), deref(n.Content[i+1])
		switch {
		case kn.Kind != yaml.ScalarNode:
			p.errorf(kn, "%s: keys must be plain names", what)
		case kn.Tag == "!!merge":
			p.errorf(kn, "%s: merge keys (<<) are not supported", what)
		case seen[kn.Value] != nil:
			p.errorf(kn, "duplicate key %q in %s (first at line %d)", kn.Value, what, seen[kn.Value].Line)
		default:
			seen[kn.Value] = kn
			out = append(out, pair{key: kn.Value, kn: kn, v: v})
		}
	}
	return out
}

// str reads a non-empty string scalar.
func (p *parser) str(n *yaml.Node, what string) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" || n.Value == "" {
		p.errorf(n, "%s must be a non-empty string", what)
		return "", false
	}
	return n.Value, true
}

// scalarValue renders a YAML scalar the way CRM values are written: numbers canonical,
// bools true/false, anything else (dates too) as written.
func (p *parser) scalarValue(n *yaml.Node, what string) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		p.errorf(n, "%s must be a single value (string, number or bool)", what)
		return "", false
	}
	switch n.Tag {
	case "!!int":
		// Decimal digits first: YAML 1.1 would read 0042 as octal 34, nobody means that.
		if s, ok := canonicalNumber(strings.ReplaceAll(n.Value, "_", "")); ok {
			return s, true
		}
		var i int64
		if err := n.Decode(&i); err == nil { // 0x1F, 0o17
			return strconv.FormatInt(i, 10), true
		}
	case "!!float":
		var f float64
		if err := n.Decode(&f); err == nil {
			if s, ok := formatFloat(f); ok {
				return s, true
			}
		}
		p.errorf(n, "%s: %s is not a finite number", what, n.Value)
		return "", false
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err == nil {
			return strconv.FormatBool(b), true
		}
	}
	return n.Value, true
}

var topKeys = []string{"object", "default_region", "match", "fields", "signals"}

func (p *parser) parseFile(data []byte) *Mapping {
	m := &Mapping{DefaultRegion: "US"}
	root := p.document(data)
	if root == nil {
		return m
	}
	root = deref(root)
	entries := p.pairs(root, "the mapping file")
	if entries == nil && root.Kind != yaml.MappingNode {
		return m
	}
	for _, e := range entries {
		if e.key == "object" && e.v.Kind == yaml.ScalarNode {
			p.companies = isCompanyObject(e.v.Value)
		}
	}
	got := map[string]bool{}
	for _, e := range entries {
		got[e.key] = true
		switch e.key {
		case "object":
			m.Object, _ = p.str(e.v, "object")
		case "default_region":
			p.region(m, e.v)
		case "match":
			m.match = p.matchRules(e.v)
		case "fields":
			for _, fe := range p.pairs(e.v, "fields") {
				if f := p.field(fe, m); f != nil {
					m.fields = append(m.fields, f)
				}
			}
		case "signals":
			m.signals = p.signalWrites(e.v, m)
		default:
			p.errorf(e.kn, "unknown key %q%s (known: %s)", e.key, didYouMean(e.key, topKeys), strings.Join(topKeys, ", "))
		}
	}
	for _, k := range []string{"object", "match", "fields"} {
		if !got[k] {
			p.errorf(root, "missing %s", k)
		}
	}
	slices.SortFunc(m.fields, func(a, b *field) int { return strings.Compare(a.Name, b.Name) })
	return m
}

func (p *parser) region(m *Mapping, n *yaml.Node) {
	r, ok := p.str(n, "default_region")
	if !ok {
		return
	}
	r = strings.ToUpper(r)
	if !phonenumbers.GetSupportedRegions()[r] {
		p.errorf(n, "default_region %q is not a region code such as US, GB or DE", n.Value)
		return
	}
	m.DefaultRegion = r
}
