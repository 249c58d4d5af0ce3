package mapping

import (
	"maps"
	"slices"
)

// Policy says when a computed value may be written over the field's current value.
type Policy string

const (
	PolicyFill             Policy = "fill"               // only into an empty field (the default)
	PolicyOverwrite        Policy = "overwrite"          // whenever the value differs
	PolicyOverwriteIfOwned Policy = "overwrite_if_owned" // into an empty field or over leadsync's last write
	PolicyNever            Policy = "never"              // computed for the dry run, never written
)

var policies = []string{string(PolicyFill), string(PolicyOverwrite), string(PolicyOverwriteIfOwned), string(PolicyNever)}

// Mapping is a compiled mapping file. It is immutable and safe for concurrent use.
type Mapping struct {
	Object        string // the CRM object the mapping writes ("contacts", "Lead", …)
	DefaultRegion string // region for e164 numbers without a country code
	File          string // name used in error positions

	match  []matchRule // ordered by key: email, linkedinUrl, firstName, …
	fields []*field    // sorted by name
	// signals: signal type → the fields acting on such a signal writes, sorted by name.
	signals map[string][]*field
}

// Field describes one compiled target field, for dry runs, validation and docs.
type Field struct {
	Name       string
	Policy     Policy
	Source     string            // answer path (from:), or "" for a constant
	Value      string            // constant as written (value:), "$now" or "$run_id"; "" for a path
	Transforms []string          // as written, in order: "e164", "truncate:80"
	Map        map[string]string // value table, nil when the field has no map
	Default    *string           // value for anything not in Map; nil: unmapped values are invalid
	When       string            // condition as written: "path" or "path == value"; "" when none
	SkipIf     string            // same form
	Line, Col  int               // position of the field's name in the file
}

// field is the compiled form of one target field.
type field struct {
	Field
	from      *path
	constant  constKind
	literal   string
	chain     []transform
	when      *condition
	skipIf    *condition
	sourceTag string // Decision.Source: the path, or "value:" + the constant as written
}

type constKind int

const (
	constNone constKind = iota // the field reads a path
	constLiteral
	constNow
	constRunID
)

// condition is a when/skip_if test on an answer path.
type condition struct {
	at     path
	equals *string // nil: truthiness
}

func (c *condition) String() string {
	if c.equals == nil {
		return c.at.String()
	}
	return c.at.String() + " == " + *c.equals
}

// paths lists every answer path the field reads (from, when, skip_if).
func (f *field) paths() []string {
	var out []string
	if f.from != nil {
		out = append(out, f.from.String())
	}
	for _, c := range []*condition{f.when, f.skipIf} {
		if c != nil {
			out = append(out, c.at.String())
		}
	}
	return out
}

// Fields returns the compiled target fields, sorted by name. The result is a copy.
func (m *Mapping) Fields() []Field {
	out := make([]Field, len(m.fields))
	for i, f := range m.fields {
		out[i] = f.Field
		out[i].Transforms = slices.Clone(f.Transforms)
		out[i].Map = maps.Clone(f.Map)
		if f.Default != nil {
			out[i].Default = new(*f.Default)
		}
	}
	return out
}

// TargetFields lists the CRM fields the mapping may write, sorted. Fields with policy
// never are included: the connector reads them too, to show what would change.
func (m *Mapping) TargetFields() []string {
	out := make([]string, len(m.fields))
	for i, f := range m.fields {
		out[i] = f.Name
	}
	return out
}

// MatchFields lists the CRM fields read to build the identity, sorted, without repeats.
func (m *Mapping) MatchFields() []string {
	var out []string
	for _, r := range m.match {
		out = append(out, r.crmField)
	}
	slices.Sort(out)
	return slices.Compact(out)
}
