package hubspottest

import (
	"cmp"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode"
)

var operators = []string{"EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN", "IN", "NOT_IN",
	"HAS_PROPERTY", "NOT_HAS_PROPERTY", "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"}

func knownOperator(op string) bool {
	for _, o := range operators {
		if o == op {
			return true
		}
	}
	return false
}

// matches applies the filter groups (AND inside a group, OR across groups) and the
// free-text query.
func (o *objectType) matches(props map[string]string, in searchIn) bool {
	if in.Query != "" && !o.matchesQuery(props, in.Query) {
		return false
	}
	if len(in.FilterGroups) == 0 {
		return true
	}
	for _, g := range in.FilterGroups {
		all := true
		for _, f := range g.Filters {
			if !o.matchFilter(props, f) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

func (o *objectType) matchesQuery(props map[string]string, q string) bool {
	for _, name := range queryProperties[o.name] {
		if v, ok := props[name]; ok && containsToken(v, q) {
			return true
		}
	}
	return false
}

func (o *objectType) matchFilter(props map[string]string, f filterIn) bool {
	v, has := props[f.PropertyName]
	want := f.value
	switch f.Operator {
	case "HAS_PROPERTY":
		return has
	case "NOT_HAS_PROPERTY":
		return !has
	case "NEQ":
		return !has || !o.equal(f.PropertyName, v, want)
	case "NOT_IN":
		return !has || !o.in(f.PropertyName, v, f)
	case "NOT_CONTAINS_TOKEN":
		return !has || !containsToken(v, want)
	}
	if !has {
		return false
	}
	switch f.Operator {
	case "EQ":
		return o.equal(f.PropertyName, v, want)
	case "IN":
		return o.in(f.PropertyName, v, f)
	case "CONTAINS_TOKEN":
		return containsToken(v, want)
	case "BETWEEN":
		lo, ok1 := o.compare(f.PropertyName, v, want)
		hi, ok2 := o.compare(f.PropertyName, v, f.high)
		return ok1 && ok2 && lo >= 0 && hi <= 0
	}
	c, ok := o.compare(f.PropertyName, v, want)
	if !ok {
		return false
	}
	switch f.Operator {
	case "LT":
		return c < 0
	case "LTE":
		return c <= 0
	case "GT":
		return c > 0
	case "GTE":
		return c >= 0
	}
	return false
}

func (o *objectType) kind(name string) string {
	if p, ok := o.props[name]; ok {
		return p.Type
	}
	return "string"
}

// equal follows HubSpot's case rules: enumerations are case-sensitive (and match any
// one of a multi-select's values), text is not; numbers and times compare by value.
func (o *objectType) equal(name, v, want string) bool {
	switch o.kind(name) {
	case "enumeration":
		for tok := range strings.SplitSeq(v, ";") {
			if tok == want {
				return true
			}
		}
		return false
	case "number", "datetime", "date":
		c, ok := o.compare(name, v, want)
		return ok && c == 0
	}
	return strings.EqualFold(v, want)
}

// in matches exactly; for text the listed values must be lowercase, as HubSpot
// requires (an uppercase value never matches).
func (o *objectType) in(name, v string, f filterIn) bool {
	for _, want := range f.values {
		switch o.kind(name) {
		case "string":
			if strings.ToLower(v) == want {
				return true
			}
		default:
			if o.equal(name, v, want) {
				return true
			}
		}
	}
	return false
}

// compare orders a stored value against a filter value by the property's type.
func (o *objectType) compare(name, a, b string) (int, bool) {
	switch o.kind(name) {
	case "number":
		x, err1 := strconv.ParseFloat(a, 64)
		y, err2 := strconv.ParseFloat(b, 64)
		return cmp.Compare(x, y), err1 == nil && err2 == nil
	case "datetime", "date":
		x, ok1 := o.instant(a)
		y, ok2 := o.instant(b)
		return x.Compare(y), ok1 && ok2
	}
	return strings.Compare(strings.ToLower(a), strings.ToLower(b)), true
}

// containsToken matches a token, or a pattern with * wildcards, against the value's
// words and against the whole value, ignoring case.
func containsToken(v, pattern string) bool {
	pattern = strings.ToLower(pattern)
	v = strings.ToLower(v)
	if ok, _ := path.Match(pattern, v); ok {
		return true
	}
	for _, tok := range strings.FieldsFunc(v, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '@' && r != '.' }) {
		if ok, _ := path.Match(pattern, tok); ok {
			return true
		}
	}
	return false
}

// instant is parseInstant with a cache: a search compares every record's dates,
// and a bulk import gives thousands of records one timestamp string. Callers hold
// the server's lock.
func (o *objectType) instant(v string) (time.Time, bool) {
	if r, ok := o.instants[v]; ok {
		return r.t, r.ok
	}
	t, ok := parseInstant(v)
	if len(o.instants) >= maxCachedInstants {
		clear(o.instants)
	}
	o.instants[v] = parsedInstant{t, ok}
	return t, ok
}

type parsedInstant struct {
	t  time.Time
	ok bool
}

const maxCachedInstants = 1 << 16
