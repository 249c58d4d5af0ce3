package mapping

import (
	"maps"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// contactSignalTypes are the person signals a people mapping's signals: may act on:
// the ones that say a person's job changed. Company mappings take any signal type
// name (Lusha's list is long and grows; the pipeline's subscriptions are checked
// against it by the config).
var contactSignalTypes = []string{"companyChange", "promotion"}

// ContactSignalTypes lists the signal types a people mapping's signals: may name.
func ContactSignalTypes() []string { return slices.Clone(contactSignalTypes) }

// signalWrites compiles signals: — signal type → fields written when a signal of
// that type is acted on, in the form of fields:, with signal. paths readable.
func (p *parser) signalWrites(n *yaml.Node, m *Mapping) map[string][]*field {
	out := map[string][]*field{}
	p.inSignal = true
	defer func() { p.inSignal = false }()
	for _, e := range p.pairs(n, "signals") {
		if !p.companies && !slices.Contains(contactSignalTypes, e.key) {
			p.errorf(e.kn, "signals: %q is no signal a person's record acts on%s (known: %s)", e.key,
				didYouMean(e.key, contactSignalTypes), strings.Join(contactSignalTypes, ", "))
			continue
		}
		if name, rest := scanName(e.key); name == "" || rest != "" {
			p.errorf(e.kn, "signals: %q is not a signal type name", e.key)
			continue
		}
		var fs []*field
		for _, fe := range p.pairs(e.v, "signals."+e.key) {
			if f := p.field(fe, m); f != nil {
				fs = append(fs, f)
			}
		}
		slices.SortFunc(fs, func(a, b *field) int { return strings.Compare(a.Name, b.Name) })
		out[e.key] = fs
	}
	return out
}

// SignalTypes lists, sorted, the signal types the mapping says what to write for.
func (m *Mapping) SignalTypes() []string { return slices.Sorted(maps.Keys(m.signals)) }

// SignalFields describes the fields a signal of type t writes, sorted by name.
func (m *Mapping) SignalFields(t string) []Field {
	return (&Mapping{fields: m.signals[t]}).Fields()
}

// ForSignal is the mapping acting on a signal of type t applies: the mapping's
// fields and the signal's writes, which replace a field of fields: of the same
// name. Its Needs, Apply and CheckCRM see them all; Apply reads in.Signal. An
// unknown t (or one without writes) gives m itself.
func (m *Mapping) ForSignal(t string) *Mapping {
	own := m.signals[t]
	if len(own) == 0 {
		return m
	}
	all := slices.DeleteFunc(slices.Clone(m.fields), func(f *field) bool {
		return slices.ContainsFunc(own, func(o *field) bool { return o.Name == f.Name })
	})
	all = append(all, own...)
	slices.SortFunc(all, func(a, b *field) int { return strings.Compare(a.Name, b.Name) })
	return &Mapping{Object: m.Object, DefaultRegion: m.DefaultRegion, File: m.File, match: m.match, fields: all}
}

// ApplySignal is ForSignal(t).Apply(in).
func (m *Mapping) ApplySignal(t string, in Input) Result { return m.ForSignal(t).Apply(in) }
