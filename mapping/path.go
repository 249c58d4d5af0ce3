package mapping

import (
	"fmt"
	"strconv"
	"strings"
)

const (
	rootContact = "contact"
	rootCompany = "company"
	rootSignal  = "signal" // the data of the signal being acted on; only in signals:
)

type segKind int

const (
	segName   segKind = iota // .name
	segIndex                 // [N]
	segSelect                // [key=value]
)

type segment struct {
	kind  segKind
	name  string // segName: the key; segSelect: the element key compared
	index int
	value string // segSelect: the value compared
}

func (s segment) String() string {
	switch s.kind {
	case segIndex:
		return "[" + strconv.Itoa(s.index) + "]"
	case segSelect:
		return "[" + s.name + "=" + s.value + "]"
	default:
		return "." + s.name
	}
}

// path is a parsed answer path such as contact.phones[type=mobile].number.
type path struct {
	root string
	segs []segment
}

func (p path) String() string { return p.prefix(len(p.segs)) }

// prefix renders the root and the first n segments.
func (p path) prefix(n int) string {
	var b strings.Builder
	b.WriteString(p.root)
	for _, s := range p.segs[:n] {
		b.WriteString(s.String())
	}
	return b.String()
}

func isNameChar(c byte) bool {
	return c == '_' || c == '-' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// parsePath reads the path grammar of the package doc; the error says what is wrong
// and where in the text.
func parsePath(text string) (path, error) {
	name, rest := scanName(text)
	if name != rootContact && name != rootCompany && name != rootSignal {
		return path{}, fmt.Errorf("path %q must start with contact. or company.", text)
	}
	p := path{root: name}
	if rest == "" {
		return path{}, fmt.Errorf("path %q names a whole answer: choose a field, e.g. %s.id", text, name)
	}
	for rest != "" {
		var seg segment
		var err error
		switch rest[0] {
		case '.':
			seg.name, rest = scanName(rest[1:])
			if seg.name == "" {
				err = fmt.Errorf("path %q: expected a name after %q", text, p.String()+".")
			}
		case '[':
			seg, rest, err = scanBracket(text, rest)
		default:
			err = fmt.Errorf("path %q: unexpected %q after %s", text, rest[:1], p.String())
		}
		if err != nil {
			return path{}, err
		}
		p.segs = append(p.segs, seg)
	}
	return p, nil
}

func scanName(s string) (name, rest string) {
	i := 0
	for i < len(s) && isNameChar(s[i]) {
		i++
	}
	return s[:i], s[i:]
}

// scanBracket reads "[N]" or "[key=value]" at the start of rest.
func scanBracket(text, rest string) (segment, string, error) {
	end := strings.IndexByte(rest, ']')
	if end < 0 {
		return segment{}, "", fmt.Errorf("path %q: missing ]", text)
	}
	inner, rest := rest[1:end], rest[end+1:]
	if key, value, ok := strings.Cut(inner, "="); ok {
		if k, tail := scanName(key); k == "" || tail != "" {
			return segment{}, "", fmt.Errorf("path %q: selector [%s] needs [key=value] with a plain key", text, inner)
		}
		return segment{kind: segSelect, name: key, value: value}, rest, nil
	}
	n, err := strconv.Atoi(inner)
	if err != nil || n < 0 || strings.HasPrefix(inner, "+") {
		return segment{}, "", fmt.Errorf("path %q: [%s] is neither an index [N] nor a selector [key=value]", text, inner)
	}
	return segment{kind: segIndex, index: n}, rest, nil
}

// resolve finds the value at p in the decoded JSON answer doc. found is false when the
// path leads nowhere (a missing key, null, an index out of range, no element selected);
// err says where the document's shape contradicts the path.
func (p path) resolve(doc any) (v any, found bool, err error) {
	v = doc
	for i, s := range p.segs {
		if v == nil {
			return nil, false, nil
		}
		switch s.kind {
		case segName:
			obj, ok := v.(map[string]any)
			if !ok {
				return nil, false, fmt.Errorf("%s is %s, not an object", p.prefix(i), describe(v))
			}
			v = obj[s.name]
		case segIndex, segSelect:
			arr, ok := v.([]any)
			if !ok {
				return nil, false, fmt.Errorf("%s is %s, not an array", p.prefix(i), describe(v))
			}
			v = pick(arr, s)
		}
	}
	return v, v != nil, nil
}

// pick returns the element an index or selector chooses, or nil.
func pick(arr []any, s segment) any {
	if s.kind == segIndex {
		if s.index < len(arr) {
			return arr[s.index]
		}
		return nil
	}
	for _, el := range arr {
		obj, ok := el.(map[string]any)
		if !ok {
			continue
		}
		if str, ok := scalarString(obj[s.name]); ok && str == s.value {
			return el
		}
	}
	return nil
}

// describe names a JSON value's kind for error messages, without its content (which
// may be personal data).
func describe(v any) string {
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case bool:
		return "a bool"
	case nil:
		return "null"
	default:
		if _, ok := scalarString(v); ok {
			return "a number"
		}
		return fmt.Sprintf("a %T", v)
	}
}
