package salesforcetest

import (
	"cmp"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// condition is a WHERE leaf checked against the object's describe.
type condition struct {
	field  Field
	op     string // = != < <= > >= in like
	negate bool
	values []value
	like   *regexp.Regexp
}

// value is a literal converted to its field's type.
type value struct {
	null bool
	s    string // text (lower-cased for comparisons), id, date, boolean
	n    float64
	t    time.Time
}

type sortKey struct {
	field      Field
	desc       bool
	nullsFirst bool
}

// compiled is a statement resolved against the org's objects.
type compiled struct {
	count         bool
	object        *object
	fields        []Field
	where         *node
	order         []sortKey
	limit, offset int
}

const maxOffset = 2000

// compile resolves names and literal types; the caller holds s.mu.
func (s *Server) compile(stmt string) (*compiled, *soqlError) {
	st, err := parseSOQL(stmt)
	if err != nil {
		return nil, err
	}
	o, ok := s.objects[strings.ToLower(st.object.name)]
	if !ok {
		return nil, errorAt(stmt, st.object.pos, "INVALID_TYPE", "sObject type '"+st.object.name+
			"' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.")
	}
	c := &compiled{count: st.count, object: o, where: st.where, limit: st.limit, offset: st.offset}
	seen := map[string]bool{}
	for _, ref := range st.fields {
		f, err := resolveField(stmt, o, ref)
		if err != nil {
			return nil, err
		}
		if seen[f.Name] {
			return nil, errorAt(stmt, ref.pos, "MALFORMED_QUERY", "duplicate field selected: "+f.Name)
		}
		seen[f.Name] = true
		c.fields = append(c.fields, f)
	}
	if err := resolveWhere(stmt, o, st.where); err != nil {
		return nil, err
	}
	for _, item := range st.order {
		f, err := resolveField(stmt, o, item.field)
		if err != nil {
			return nil, err
		}
		c.order = append(c.order, sortKey{field: f, desc: item.desc, nullsFirst: item.nullsFirst})
	}
	if c.offset > maxOffset {
		return nil, errorAt(stmt, st.offPos, "NUMBER_OUTSIDE_VALID_RANGE", "Maximum SOQL offset allowed is 2000")
	}
	return c, nil
}

func resolveField(stmt string, o *object, ref fieldRef) (Field, *soqlError) {
	if rel, _, dotted := strings.Cut(ref.name, "."); dotted {
		return Field{}, errorAt(stmt, ref.pos, "INVALID_FIELD", "Didn't understand relationship '"+rel+
			"' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.")
	}
	f, ok := o.field(ref.name)
	if !ok {
		return Field{}, errorAt(stmt, ref.pos, "INVALID_FIELD", "No such column '"+ref.name+"' on entity '"+o.name+
			"'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.")
	}
	return f, nil
}

func resolveWhere(stmt string, o *object, n *node) *soqlError {
	if n == nil {
		return nil
	}
	for _, k := range n.kids {
		if err := resolveWhere(stmt, o, k); err != nil {
			return err
		}
	}
	if len(n.kids) > 0 {
		return nil
	}
	f, err := resolveField(stmt, o, n.field)
	if err != nil {
		return err
	}
	c := &condition{field: f, op: n.cmp, negate: n.negate}
	if n.op != "cmp" {
		c.op = n.op
	}
	if c.op == "like" {
		if !isText(f.Type) {
			return errorAt(stmt, n.field.pos, "INVALID_QUERY_FILTER_OPERATOR", "invalid operator on "+f.Type+" field: LIKE")
		}
		c.like = likePattern(n.values[0].tok.text)
	}
	for _, lit := range n.values {
		v, err := typed(stmt, f, lit)
		if err != nil {
			return err
		}
		c.values = append(c.values, v)
	}
	n.resolved = c
	return nil
}

// typed converts a literal to the field's type with Salesforce's complaint when it
// does not fit.
func typed(stmt string, f Field, lit literal) (value, *soqlError) {
	if lit.isNull() {
		return value{null: true}, nil
	}
	wrong := func(typ string, quoted bool) *soqlError {
		how := "should not be enclosed in quotes"
		if quoted {
			how = "should be enclosed in quotes"
		}
		return errorAt(stmt, lit.tok.pos, "INVALID_FIELD",
			"value of filter criterion for field '"+f.Name+"' must be of type "+typ+" and "+how)
	}
	text := lit.tok.text
	switch {
	case f.Type == "id" || f.Type == "reference":
		if lit.kind != tkString {
			return value{}, wrong("id", true)
		}
		id, ok := normalizeID(text)
		if !ok {
			return value{}, errorAt(stmt, lit.tok.pos, "INVALID_QUERY_FILTER_OPERATOR", "invalid ID field: "+text)
		}
		return value{s: id}, nil
	case isText(f.Type):
		if lit.kind != tkString {
			return value{}, wrong("string", true)
		}
		return value{s: strings.ToLower(text)}, nil
	case f.Type == "boolean":
		b := strings.ToLower(text)
		if lit.kind != tkIdent || b == "null" {
			return value{}, wrong("boolean", false)
		}
		return value{s: b}, nil
	case isNumber(f.Type):
		n, ok := parseNumber(text)
		if lit.kind != tkNumber || !ok {
			return value{}, wrong(map[bool]string{true: "integer", false: "double"}[f.Type == "int"], false)
		}
		return value{n: n}, nil
	case f.Type == "date":
		if lit.kind != tkDate {
			return value{}, wrong("date", false)
		}
		return value{s: text}, nil
	case f.Type == "datetime":
		if lit.kind != tkDateTime {
			return value{}, wrong("dateTime", false)
		}
		t, err := time.Parse("2006-01-02T15:04:05.999999Z07:00", text)
		if err != nil {
			return value{}, errorAt(stmt, lit.tok.pos, "MALFORMED_QUERY", "line 1:"+strconv.Itoa(lit.tok.pos)+" no viable alternative at character '"+text+"'")
		}
		return value{t: t}, nil
	}
	return value{s: text}, nil
}

// likePattern turns % and _ into wildcards; \% and \_ stay literal. LIKE ignores case.
func likePattern(p string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("(?is)^")
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case c == '\\' && i+1 < len(p):
			i++
			b.WriteString(regexp.QuoteMeta(string(p[i])))
		case c == '%':
			b.WriteString(".*")
		case c == '_':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// numberSyntax is the decimal form numbers take in SOQL, JSON and storage.
var numberSyntax = regexp.MustCompile(`^[-+]?\d+(\.\d+)?$`)

func parseNumber(s string) (float64, bool) {
	if !numberSyntax.MatchString(s) {
		return 0, false
	}
	n, err := strconv.ParseFloat(s, 64)
	return n, err == nil
}

// match evaluates a WHERE tree against one record.
func (n *node) match(r *record) bool {
	switch n.op {
	case "and":
		return n.kids[0].match(r) && n.kids[1].match(r)
	case "or":
		return n.kids[0].match(r) || n.kids[1].match(r)
	case "not":
		return !n.kids[0].match(r)
	}
	return n.resolved.match(r.values[n.resolved.field.Name])
}

func (c *condition) match(stored string) bool {
	switch c.op {
	case "like":
		return stored != "" && c.like.MatchString(stored) != c.negate
	case "in":
		found := slices.ContainsFunc(c.values, func(v value) bool { return equal(c.field, stored, v) })
		return found != c.negate
	}
	v := c.values[0]
	switch c.op {
	case "=":
		return equal(c.field, stored, v)
	case "!=":
		return !equal(c.field, stored, v)
	}
	if stored == "" || v.null {
		return false
	}
	d := compareStored(c.field, stored, v)
	switch c.op {
	case "<":
		return d < 0
	case "<=":
		return d <= 0
	case ">":
		return d > 0
	default: // >=
		return d >= 0
	}
}

func equal(f Field, stored string, v value) bool {
	if v.null || stored == "" {
		return v.null && stored == ""
	}
	return compareStored(f, stored, v) == 0
}

// compareStored orders a stored value against a literal of the field's type. Text
// compares without case; ids compare as written, which is how they sort.
func compareStored(f Field, stored string, v value) int {
	switch {
	case f.Type == "id" || f.Type == "reference":
		return strings.Compare(stored, v.s)
	case isText(f.Type):
		return strings.Compare(strings.ToLower(stored), v.s)
	case isNumber(f.Type):
		n, _ := parseNumber(stored)
		return cmp.Compare(n, v.n)
	case f.Type == "datetime":
		t, _ := time.Parse(datetimeLayout, stored)
		return t.Compare(v.t)
	}
	return strings.Compare(stored, v.s)
}

// compareValues orders two stored values of one field for ORDER BY.
func compareValues(f Field, a, b string) int {
	switch {
	case isText(f.Type) && f.Type != "id":
		if d := strings.Compare(strings.ToLower(a), strings.ToLower(b)); d != 0 {
			return d
		}
	case isNumber(f.Type):
		x, _ := parseNumber(a)
		y, _ := parseNumber(b)
		return cmp.Compare(x, y)
	case f.Type == "datetime":
		x, _ := time.Parse(datetimeLayout, a)
		y, _ := time.Parse(datetimeLayout, b)
		return x.Compare(y)
	}
	return strings.Compare(a, b)
}

// run returns the matching records in order, after OFFSET and LIMIT. Soft-deleted
// records take part only for queryAll.
func (c *compiled) run(all bool) []*record {
	var rows []*record
	for _, id := range c.scan() {
		r := c.object.records[id]
		if r == nil {
			continue
		}
		if (all || !r.deleted) && (c.where == nil || c.where.match(r)) {
			rows = append(rows, r)
		}
	}
	if len(c.order) > 0 {
		slices.SortStableFunc(rows, func(a, b *record) int {
			for _, k := range c.order {
				if d := compareKey(k, a.values[k.field.Name], b.values[k.field.Name]); d != 0 {
					return d
				}
			}
			return 0
		})
	}
	rows = rows[min(c.offset, len(rows)):]
	if c.limit >= 0 && len(rows) > c.limit {
		rows = rows[:c.limit]
	}
	return rows
}

// scan lists the ids a statement must look at: the ones named by an Id IN (…) that
// the whole WHERE requires (a write's read-back), else every record. The answer is
// the same either way; a lookup spares scanning the org for each batch.
func (c *compiled) scan() []string {
	named := idsRequired(c.where)
	if named == nil {
		return c.object.ids
	}
	slices.Sort(named) // ids are issued in order: this is creation order
	return slices.Compact(named)
}

// idsRequired returns the ids of an Id IN (…) or Id = … that every match must satisfy.
func idsRequired(n *node) []string {
	if n == nil {
		return nil
	}
	switch n.op {
	case "and":
		if ids := idsRequired(n.kids[0]); ids != nil {
			return ids
		}
		return idsRequired(n.kids[1])
	case "or", "not":
		return nil
	}
	c := n.resolved
	if c == nil || c.negate || c.field.Name != "Id" || (c.op != "in" && c.op != "=") {
		return nil
	}
	ids := make([]string, 0, len(c.values))
	for _, v := range c.values {
		if !v.null {
			ids = append(ids, v.s)
		}
	}
	return ids
}

func compareKey(k sortKey, a, b string) int {
	switch {
	case a == "" && b == "":
		return 0
	case a == "":
		return map[bool]int{true: -1, false: 1}[k.nullsFirst]
	case b == "":
		return map[bool]int{true: 1, false: -1}[k.nullsFirst]
	}
	d := compareValues(k.field, a, b)
	if k.desc {
		return -d
	}
	return d
}
