package mapping

import (
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

var fieldKeys = []string{"from", "value", "transform", "map", "default", "when", "skip_if", "policy"}

// field compiles one entry of fields:, or returns nil after reporting its problems.
func (p *parser) field(e pair, m *Mapping) *field {
	f := &field{Field: Field{Name: e.key, Policy: PolicyFill, Line: e.kn.Line, Col: e.kn.Column}}
	before := len(p.errs)
	if strings.TrimSpace(e.key) == "" {
		p.errorf(e.kn, "field name must not be empty")
	}
	if e.v.Kind == yaml.ScalarNode {
		p.errorf(e.v, "field %s must be a mapping such as {from: %s} or {value: %s}", e.key, e.v.Value, e.v.Value)
		return nil
	}
	var fromNode, valueNode, defaultNode *yaml.Node
	var mapNode *yaml.Node
	for _, k := range p.pairs(e.v, "field "+e.key) {
		switch k.key {
		case "from":
			fromNode = k.v
			if text, ok := p.str(k.v, "from"); ok {
				f.Source = text
				f.from = p.path(k.v, text)
			}
		case "value":
			valueNode = k.v
			p.constant(f, k.v)
		case "transform":
			f.chain = p.transforms(k.v)
		case "map":
			mapNode = k.kn
			f.Map = p.valueTable(k.v)
		case "default":
			defaultNode = k.kn
			if v, ok := p.scalarValue(k.v, "default"); ok {
				f.Default = &v
			}
		case "when":
			f.when = p.condition(k.v, "when")
		case "skip_if":
			f.skipIf = p.condition(k.v, "skip_if")
		case "policy":
			if s, ok := p.str(k.v, "policy"); ok {
				if !slices.Contains(policies, s) {
					p.errorf(k.v, "unknown policy %q%s (known: %s)", s, didYouMean(s, policies), strings.Join(policies, ", "))
				}
				f.Policy = Policy(s)
			}
		default:
			p.errorf(k.kn, "unknown key %q in field %s%s (known: %s)", k.key, e.key, didYouMean(k.key, fieldKeys), strings.Join(fieldKeys, ", "))
		}
	}
	switch {
	case fromNode != nil && valueNode != nil:
		p.errorf(valueNode, "field %s has both from and value: keep one", e.key)
	case fromNode == nil && valueNode == nil && deref(e.v).Kind == yaml.MappingNode:
		p.errorf(e.kn, "field %s needs from (an answer path) or value (a constant)", e.key)
	}
	if defaultNode != nil && mapNode == nil {
		p.errorf(defaultNode, "default applies to values missing from map, and field %s has no map", e.key)
	}
	if len(p.errs) > before {
		return nil
	}
	p.checkResultKind(f, fromNode)
	p.finish(f)
	return f
}

// finish fills the descriptive Field parts from the compiled ones.
func (p *parser) finish(f *field) {
	for _, t := range f.chain {
		f.Transforms = append(f.Transforms, t.text)
	}
	if f.when != nil {
		f.When = f.when.String()
	}
	if f.skipIf != nil {
		f.SkipIf = f.skipIf.String()
	}
	if f.from != nil {
		f.Source = f.from.String()
		f.sourceTag = f.Source
	} else {
		f.sourceTag = "value:" + f.Value
	}
}

// checks tells whether paths under root are checked against the schema: the
// company signals' data has a shape per type, so a company mapping's signal.
// paths are checked for their grammar only.
func (p *parser) checks(root string) bool {
	return p.schema.has(root) && !(p.companies && root == rootSignal)
}

// path parses and, with a schema, validates an answer path written in node n.
func (p *parser) path(n *yaml.Node, text string) *path {
	pp, err := parsePath(text)
	if err != nil {
		p.errorf(n, "%v", err)
		return nil
	}
	if pp.root == rootSignal && !p.inSignal {
		p.errorf(n, "path %s: signal. paths are read only in the writes of signals:", text)
		return nil
	}
	if p.companies && pp.root == rootContact {
		p.errorf(n, "path %s: a company mapping reads the company answer; paths start with company.", text)
		return nil
	}
	if p.checks(pp.root) {
		if _, err := p.schema.check(pp); err != nil {
			p.errorf(n, "%v", err)
			return nil
		}
	}
	return &pp
}

func (p *parser) constant(f *field, n *yaml.Node) {
	v, ok := p.scalarValue(n, "value")
	if !ok {
		return
	}
	f.Value = v
	switch {
	case v == "$now":
		f.constant = constNow
	case v == "$run_id":
		f.constant = constRunID
	case strings.HasPrefix(v, "$$"):
		f.constant, f.literal = constLiteral, v[1:]
	case strings.HasPrefix(v, "$"):
		p.errorf(n, "unknown variable %s%s (known: $now, $run_id; write $$ for a literal $)", v, didYouMean(v, []string{"$now", "$run_id"}))
	default:
		f.constant, f.literal = constLiteral, v
	}
}

func (p *parser) transforms(n *yaml.Node) []transform {
	var items []*yaml.Node
	switch n.Kind {
	case yaml.ScalarNode:
		items = []*yaml.Node{n}
	case yaml.SequenceNode:
		for _, it := range n.Content {
			items = append(items, deref(it))
		}
	default:
		p.errorf(n, "transform must be a name or a list of names")
		return nil
	}
	var chain []transform
	for _, it := range items {
		text, ok := p.str(it, "transform")
		if !ok {
			continue
		}
		t, err := parseTransform(text)
		if err != nil {
			p.errorf(it, "%v", err)
			continue
		}
		chain = append(chain, t)
	}
	return chain
}

func (p *parser) valueTable(n *yaml.Node) map[string]string {
	table := map[string]string{}
	for _, e := range p.pairs(n, "map") {
		from, ok1 := p.scalarValue(e.kn, "map key")
		to, ok2 := p.scalarValue(e.v, "map value")
		if ok1 && ok2 {
			table[from] = to
		}
	}
	return table
}

var conditionKeys = []string{"path", "equals"}

// condition reads "path" or {path: p, equals: v}.
func (p *parser) condition(n *yaml.Node, what string) *condition {
	if n.Kind == yaml.ScalarNode {
		text, ok := p.str(n, what)
		if !ok {
			return nil
		}
		if at := p.path(n, text); at != nil {
			return &condition{at: *at}
		}
		return nil
	}
	var c condition
	var pathNode *yaml.Node
	for _, e := range p.pairs(n, what) {
		switch e.key {
		case "path":
			pathNode = e.v
		case "equals":
			if v, ok := p.scalarValue(e.v, what+".equals"); ok {
				c.equals = &v
			}
		default:
			p.errorf(e.kn, "unknown key %q in %s%s (known: path, equals)", e.key, what, didYouMean(e.key, conditionKeys))
		}
	}
	if pathNode == nil {
		if n.Kind == yaml.MappingNode {
			p.errorf(n, "%s needs path", what)
		}
		return nil
	}
	text, ok := p.str(pathNode, what+".path")
	if !ok {
		return nil
	}
	at := p.path(pathNode, text)
	if at == nil {
		return nil
	}
	c.at = *at
	return &c
}

// checkResultKind uses the schema to reject, at load, a path whose value stays an
// object or array after the transforms: Apply could only call it invalid.
func (p *parser) checkResultKind(f *field, fromNode *yaml.Node) {
	if f.from == nil || !p.checks(f.from.root) {
		return
	}
	cur, err := p.schema.check(*f.from)
	if err != nil {
		return // already reported
	}
	for _, t := range f.chain {
		if cur.kind == kindOpen {
			return
		}
		name, _, _ := strings.Cut(t.text, ":")
		switch {
		case name == "first":
			if cur.kind == kindArray {
				cur = cur.elem
			}
		case name == "join":
			if cur.kind == kindArray && (cur.elem.kind == kindObject || cur.elem.kind == kindArray) {
				p.errorf(fromNode, "transform %s: the elements of %s are not single values", t.text, f.from)
				return
			}
			cur = scalarShape
		case cur.kind == kindObject || cur.kind == kindArray && cur.elem.kind != kindScalar && cur.elem.kind != kindOpen:
			p.errorf(fromNode, "transform %s needs single values, and %s is %s", t.text, f.from, kindPhrase(cur.kind))
			return
		}
	}
	switch cur.kind {
	case kindObject:
		p.errorf(fromNode, "%s is an object: map one of its fields, e.g. %s%s", f.from, f.from, firstLeaf(cur, 0))
	case kindArray:
		p.errorf(fromNode, "%s is an array: pick an element with [N] or [key=value], or add transform first or join:SEP", f.from)
	}
}

var matchRuleKeys = []string{"from", "transform"}

// matchRules compiles match:, ordered as Identity lists its parts.
func (p *parser) matchRules(n *yaml.Node) []matchRule {
	byKey := map[string]matchRule{}
	keys := matchKeysFor(p.companies)
	for _, e := range p.pairs(n, "match") {
		switch {
		case p.companies && !slices.Contains(keys, e.key):
			p.errorf(e.kn, "match key %q does not identify a company%s (known: %s)", e.key, companyMatchHint(e.key), strings.Join(keys, ", "))
			continue
		case !slices.Contains(keys, e.key):
			p.errorf(e.kn, "unknown match key %q%s (known: %s)", e.key, didYouMean(e.key, keys), strings.Join(keys, ", "))
			continue
		}
		r := matchRule{key: e.key}
		r.line, r.col = e.v.Line, e.v.Column
		if e.v.Kind == yaml.ScalarNode {
			r.crmField, _ = p.str(e.v, "match."+e.key)
		} else {
			for _, k := range p.pairs(e.v, "match."+e.key) {
				switch k.key {
				case "from":
					r.crmField, _ = p.str(k.v, "match."+e.key+".from")
					r.line, r.col = k.v.Line, k.v.Column
				case "transform":
					r.chain = p.transforms(k.v)
				default:
					p.errorf(k.kn, "unknown key %q in match.%s%s (known: from, transform)", k.key, e.key, didYouMean(k.key, matchRuleKeys))
				}
			}
			if r.crmField == "" && deref(e.v).Kind == yaml.MappingNode {
				p.errorf(e.v, "match.%s needs from: the CRM field to read", e.key)
			}
		}
		if r.crmField != "" {
			byKey[e.key] = r
		}
	}
	var rules []matchRule
	for _, k := range matchKeys {
		if r, ok := byKey[k]; ok {
			rules = append(rules, r)
		}
	}
	has := func(k string) bool { _, ok := byKey[k]; return ok }
	if p.companies {
		if deref(n).Kind == yaml.MappingNode && !has("companyDomain") && !has("companyName") {
			p.errorf(n, "match cannot identify a company: give companyDomain or companyName")
		}
		return rules
	}
	if deref(n).Kind == yaml.MappingNode && !has("email") && !has("linkedinUrl") &&
		!(has("firstName") && has("lastName") && (has("companyName") || has("companyDomain"))) {
		p.errorf(n, "match cannot identify anyone: give email, linkedinUrl, or firstName, lastName and companyName or companyDomain")
	}
	return rules
}
