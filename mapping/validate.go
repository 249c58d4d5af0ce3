package mapping

import (
	"fmt"
	"slices"
	"strings"
)

// maxSuggestDepth bounds the walk over recursive schemas when listing leaf paths.
const maxSuggestDepth = 8

// check validates p against the schema and returns the shape it ends on.
func (s *Schema) check(p path) (*shape, error) {
	cur, ok := s.roots[p.root]
	if !ok {
		return nil, fmt.Errorf("unknown path %s: the schema has no %s answer", p, p.root)
	}
	for i, seg := range p.segs {
		if cur.kind == kindOpen {
			return openShape, nil
		}
		at := p.prefix(i)
		switch seg.kind {
		case segName:
			switch cur.kind {
			case kindArray:
				return nil, fmt.Errorf("%s is an array: pick an element with %s[N] or %s[key=value] before .%s", at, at, at, seg.name)
			case kindScalar:
				return nil, fmt.Errorf("unknown path %s: %s is a single value with no fields", p.prefix(i+1), at)
			}
			next, ok := cur.fields[seg.name]
			if !ok {
				return nil, fmt.Errorf("unknown path %s%s", p.prefix(i+1), suggestPath(s.roots[p.root], p, i, cur))
			}
			cur = next
		case segIndex, segSelect:
			if cur.kind != kindArray {
				return nil, fmt.Errorf("%s on %s: %s is %s, not an array", seg, at, at, kindPhrase(cur.kind))
			}
			cur = cur.elem
			if seg.kind == segSelect {
				if err := checkSelectorKey(cur, at, seg); err != nil {
					return nil, err
				}
			}
		}
	}
	return cur, nil
}

func checkSelectorKey(elem *shape, at string, seg segment) error {
	switch elem.kind {
	case kindOpen:
		return nil
	case kindObject:
		if key, ok := elem.fields[seg.name]; ok {
			if key.kind == kindObject || key.kind == kindArray {
				return fmt.Errorf("selector %s on %s: %s is %s, compare a single value", seg, at, seg.name, kindPhrase(key.kind))
			}
			return nil
		}
		return fmt.Errorf("selector %s on %s: elements have no field %s%s", seg, at, seg.name, didYouMean(seg.name, elem.order))
	default:
		return fmt.Errorf("selector %s on %s: the elements are %s, not objects; use [N]", seg, at, kindPhrase(elem.kind))
	}
}

func kindPhrase(k shapeKind) string {
	switch k {
	case kindObject:
		return "an object"
	case kindArray:
		return "an array"
	default:
		return "a single value"
	}
}

// suggestPath proposes a full leaf path for the unknown name at p.segs[i] inside obj:
// first a sibling that is a likely typo (continued to its first leaf), then any leaf
// whose last name is close to the unknown one, else the list of known fields.
func suggestPath(root *shape, p path, i int, obj *shape) string {
	name := p.segs[i].name
	if sib := Nearest(name, obj.order); sib != "" {
		return ", did you mean " + continuePath(p, i, sib, obj.fields[sib]) + "?"
	}
	best, bestDist := "", -1
	for _, leaf := range leafPaths(root, p.root, 0) {
		last := leaf[strings.LastIndexByte(leaf, '.')+1:]
		last, _, _ = strings.Cut(last, "[")
		d := likeness(name, last)
		if closeEnough(name, d) && (bestDist < 0 || d < bestDist || d == bestDist && len(leaf) < len(best)) {
			best, bestDist = leaf, d
		}
	}
	if best != "" {
		return ", did you mean " + best + "?"
	}
	return fmt.Sprintf(" (%s has: %s)", p.prefix(i), strings.Join(obj.order, ", "))
}

// continuePath renders p with segment i replaced by sib, keeping the rest of p when it
// is valid below sib (company.employees.min → company.employeeCount.min), else
// continuing to sib's first leaf.
func continuePath(p path, i int, sib string, sibShape *shape) string {
	fixed := path{root: p.root, segs: append(slices.Clone(p.segs[:i]), segment{kind: segName, name: sib})}
	rest := p.segs[i+1:]
	if len(rest) > 0 {
		whole := path{root: p.root, segs: append(slices.Clone(fixed.segs), rest...)}
		below := &Schema{roots: map[string]*shape{p.root: sibShape}}
		if _, err := below.check(path{root: p.root, segs: rest}); err == nil {
			return whole.String()
		}
	}
	return fixed.String() + firstLeaf(sibShape, 0)
}

// firstLeaf continues a path from sh to its first single value, in declaration order.
func firstLeaf(sh *shape, depth int) string {
	if depth > maxSuggestDepth {
		return ""
	}
	switch sh.kind {
	case kindObject:
		if len(sh.order) == 0 {
			return ""
		}
		return "." + sh.order[0] + firstLeaf(sh.fields[sh.order[0]], depth+1)
	case kindArray:
		return "[0]" + firstLeaf(sh.elem, depth+1)
	default:
		return ""
	}
}

// leafPaths lists every path to a single value (or open node) below sh, in declaration
// order, with arrays indexed [0].
func leafPaths(sh *shape, prefix string, depth int) []string {
	if depth > maxSuggestDepth {
		return nil
	}
	switch sh.kind {
	case kindObject:
		var out []string
		for _, name := range sh.order {
			out = append(out, leafPaths(sh.fields[name], prefix+"."+name, depth+1)...)
		}
		return out
	case kindArray:
		return leafPaths(sh.elem, prefix+"[0]", depth+1)
	default:
		return []string{prefix}
	}
}
