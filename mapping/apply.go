package mapping

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Action is what Apply decided for one field.
type Action string

const (
	ActionWrite       Action = "write"         // the value goes into the patch
	ActionKeepFilled  Action = "keep_filled"   // fill: the field already holds a value
	ActionKeepSame    Action = "keep_same"     // the field already holds this value
	ActionKeepNotOurs Action = "keep_not_ours" // overwrite_if_owned: the value was not written by leadsync
	ActionNever       Action = "never"         // policy never: New is what would be written
	ActionNoValue     Action = "no_value"      // the answer has nothing for the field; nothing is cleared
	ActionSkipped     Action = "skipped"       // when was false or skip_if true
	ActionInvalid     Action = "invalid"       // the value could not be computed; Reason says why
)

// Input is everything Apply reads. Contact and Company are decoded JSON
// (map[string]any, []any, string, float64 or json.Number, bool, nil); nil means that
// answer is absent.
type Input struct {
	Current map[string]string // the record's current CRM values
	Owned   map[string]string // field → value leadsync last wrote there (the ledger)
	Contact any
	Company any
	Signal  any       // the signal's data, for ApplySignal; nil otherwise
	Now     time.Time // $now
	RunID   string    // $run_id
}

// Result is the outcome of Apply: the fields to write and one decision per mapped field.
type Result struct {
	Patch     map[string]string
	Decisions []Decision // sorted by field
}

// Decision explains one field: its current (Old) and computed (New) value, the source
// path or constant, and for anything but write, why.
type Decision struct {
	Field  string
	Action Action
	Old    string
	New    string
	Source string // answer path, or "value:" + the constant as written
	Reason string
}

// Apply computes the patch for one record. It is pure and deterministic: the same input
// always gives the same result, and nothing outside the input is read.
func (m *Mapping) Apply(in Input) Result {
	res := Result{Patch: map[string]string{}, Decisions: make([]Decision, 0, len(m.fields))}
	for _, f := range m.fields {
		d := m.decide(f, in)
		if d.Action == ActionWrite {
			res.Patch[f.Name] = d.New
		}
		res.Decisions = append(res.Decisions, d)
	}
	return res
}

func (m *Mapping) decide(f *field, in Input) Decision {
	d := Decision{Field: f.Name, Old: in.Current[f.Name], Source: f.sourceTag}
	if f.when != nil && !f.when.holds(in) {
		d.Action, d.Reason = ActionSkipped, "when "+f.When+" is false"
		return d
	}
	if f.skipIf != nil && f.skipIf.holds(in) {
		d.Action, d.Reason = ActionSkipped, "skip_if "+f.SkipIf+" is true"
		return d
	}
	v, reason, err := m.compute(f, in)
	switch {
	case err != nil:
		d.Action, d.Reason = ActionInvalid, err.Error()
		return d
	case reason != "":
		d.Action, d.Reason = ActionNoValue, reason
		return d
	}
	d.New = v
	d.Action, d.Reason = policyAction(f, v, in)
	return d
}

// policyAction applies the field's policy to a computed value.
func policyAction(f *field, v string, in Input) (Action, string) {
	current := strings.TrimSpace(in.Current[f.Name])
	switch {
	case f.Policy == PolicyNever:
		return ActionNever, "policy never"
	case current == strings.TrimSpace(v):
		return ActionKeepSame, "the field already holds this value"
	case current == "" || f.Policy == PolicyOverwrite:
		return ActionWrite, ""
	case f.Policy == PolicyFill:
		return ActionKeepFilled, "policy fill: the field already holds a value"
	}
	// overwrite_if_owned over a non-empty value.
	if owned, ok := in.Owned[f.Name]; ok && strings.TrimSpace(owned) == current {
		return ActionWrite, ""
	}
	return ActionKeepNotOurs, "policy overwrite_if_owned: the current value was not written by leadsync"
}

// compute returns the field's CRM value, or a reason why there is none, or an error
// making the field invalid.
func (m *Mapping) compute(f *field, in Input) (value, noValue string, err error) {
	var v any
	switch f.constant {
	case constLiteral:
		v = f.literal
	case constNow:
		if in.Now.IsZero() {
			return "", "", fmt.Errorf("$now: Input.Now is not set")
		}
		v = in.Now.UTC().Format("2006-01-02T15:04:05.000Z07:00")
	case constRunID:
		if in.RunID == "" {
			return "", "", fmt.Errorf("$run_id: Input.RunID is not set")
		}
		v = in.RunID
	default:
		doc := answer(f.from.root, in)
		if doc == nil {
			return "", "no " + f.from.root + " answer", nil
		}
		var found bool
		v, found, err = f.from.resolve(doc)
		if err != nil {
			return "", "", err
		}
		if !found {
			return "", f.Source + " has no value", nil
		}
	}
	for _, t := range f.chain {
		if v, err = t.apply(v, m.DefaultRegion); err != nil {
			return "", "", fmt.Errorf("transform %s: %w", t.text, err)
		}
		if v == nil {
			return "", "no value after transform " + t.text, nil
		}
	}
	s, ok := scalarString(v)
	if !ok {
		return "", "", fmt.Errorf("%s is %s: add a transform that makes one value (first, join:SEP) or pick a field", f.sourceTag, describe(v))
	}
	if strings.TrimSpace(s) == "" {
		return "", f.sourceTag + " is empty", nil
	}
	if f.Map != nil {
		return lookup(f, s)
	}
	return s, "", nil
}

// lookup translates s through the field's map.
func lookup(f *field, s string) (string, string, error) {
	if to, ok := f.Map[s]; ok {
		return to, "", nil
	}
	if f.Default != nil {
		return *f.Default, "", nil
	}
	keys := make([]string, 0, len(f.Map))
	for k := range f.Map {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return "", "", fmt.Errorf("map has no entry for %q and no default (entries: %s)", s, strings.Join(keys, ", "))
}

func answer(root string, in Input) any {
	switch root {
	case rootCompany:
		return in.Company
	case rootSignal:
		return in.Signal
	}
	return in.Contact
}

// holds evaluates the condition; a path that cannot be followed is false.
func (c *condition) holds(in Input) bool {
	v, found, err := c.at.resolve(answer(c.at.root, in))
	if err != nil || !found {
		return false
	}
	if c.equals == nil {
		return truthy(v)
	}
	s, ok := scalarString(v)
	return ok && s == *c.equals
}

// Needs says which target fields could be written given the record's current values
// and ownership, and which answer paths those fields read.
type Needs struct {
	Fields  []string // target fields that a value could still be written to, sorted
	Sources []string // answer paths they read (from, when, skip_if), sorted, no repeats
}

// Needs lets the connector reveal (and pay for) only what some field would write: a
// field under fill that already holds a value, a field under overwrite_if_owned holding
// a value leadsync did not write, and a field under never need nothing. Constants are
// in Fields with no Sources.
func (m *Mapping) Needs(current, owned map[string]string) Needs {
	var n Needs
	for _, f := range m.fields {
		cur := strings.TrimSpace(current[f.Name])
		switch f.Policy {
		case PolicyNever:
			continue
		case PolicyFill:
			if cur != "" {
				continue
			}
		case PolicyOverwriteIfOwned:
			if o, ok := owned[f.Name]; cur != "" && (!ok || strings.TrimSpace(o) != cur) {
				continue
			}
		}
		n.Fields = append(n.Fields, f.Name)
		n.Sources = append(n.Sources, f.paths()...)
	}
	slices.Sort(n.Sources)
	n.Sources = slices.Compact(n.Sources)
	return n
}
