package mapping

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/leadsync/leadsync/crm"
)

// CheckCRM validates the mapping against the CRM's live field metadata (`leadsync
// validate` without --offline): every match and target field exists, targets are
// writable, constant and mapped values fit the field's type, options and length. It
// returns Errors positioned in the mapping file, or nil.
func (m *Mapping) CheckCRM(s crm.Schema) error {
	var errs Errors
	add := func(line, col int, format string, args ...any) {
		errs = append(errs, &Error{File: m.File, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)})
	}
	names := make([]string, 0, len(s.Fields))
	for n := range s.Fields {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, r := range m.match {
		if _, ok := s.Fields[r.crmField]; !ok {
			add(r.line, r.col, "match.%s: %s has no field %s%s", r.key, s.Object, r.crmField, didYouMean(r.crmField, names))
		}
	}
	check := func(f *field, where string) {
		fs, ok := s.Fields[f.Name]
		switch {
		case !ok:
			add(f.Line, f.Col, "%s%s has no field %s%s", where, s.Object, f.Name, didYouMean(f.Name, names))
		case f.Policy == PolicyNever:
			// computed for the dry run only: a read-only field is fine
		case fs.ReadOnly || fs.Calculated:
			add(f.Line, f.Col, "%sfield %s is read-only in %s; use policy never to only show it", where, f.Name, s.Object)
		default:
			for _, msg := range m.fieldFit(f, fs) {
				add(f.Line, f.Col, "%sfield %s: %s", where, f.Name, msg)
			}
		}
	}
	for _, f := range m.fields {
		check(f, "")
	}
	for _, t := range m.SignalTypes() {
		for _, f := range m.signals[t] {
			check(f, "signals."+t+": ")
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return errs.sorted()
}

// fieldFit checks what the mapping knows for certain against one field's metadata: the
// values it can write without reading an answer (constants, map outputs, default).
func (m *Mapping) fieldFit(f *field, fs crm.FieldSchema) []string {
	var msgs []string
	for _, v := range m.fixedOutputs(f) {
		if msg := valueFit(v, fs); msg != "" {
			msgs = append(msgs, msg)
		}
	}
	for _, t := range f.chain {
		if n, ok := strings.CutPrefix(t.text, "truncate:"); ok && fs.MaxLength > 0 {
			if l, _ := strconv.Atoi(n); l > fs.MaxLength {
				msgs = append(msgs, fmt.Sprintf("truncate:%d is longer than the field's %d characters", l, fs.MaxLength))
			}
		}
	}
	if f.constant == constNow && fs.Type == "date" && !slices.Contains(f.Transforms, "date") {
		msgs = append(msgs, "$now is a date-time and the field is a date: add transform date")
	}
	return msgs
}

// fixedOutputs lists the values a field writes that are known at load time.
func (m *Mapping) fixedOutputs(f *field) []string {
	if f.constant == constLiteral {
		if v, _, err := m.compute(f, Input{}); err == nil && v != "" {
			return []string{v}
		}
		return nil
	}
	var out []string
	for _, k := range slices.Sorted(maps.Keys(f.Map)) {
		out = append(out, f.Map[k])
	}
	if f.Default != nil {
		out = append(out, *f.Default)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func valueFit(v string, fs crm.FieldSchema) string {
	why, part := misfit(fs, v)
	switch {
	case why != "" && fs.Type == "enumeration" && part != v:
		return fmt.Sprintf("%q: %q %s (options: %s)", v, part, why, strings.Join(fs.Options, ", "))
	case why != "" && fs.Type == "enumeration":
		return fmt.Sprintf("%q %s (options: %s)", v, why, strings.Join(fs.Options, ", "))
	case why != "":
		return fmt.Sprintf("%q %s", v, why)
	case fs.MaxLength > 0 && utf8.RuneCountInString(v) > fs.MaxLength:
		return fmt.Sprintf("%q is longer than the field's %d characters", v, fs.MaxLength)
	}
	return ""
}
