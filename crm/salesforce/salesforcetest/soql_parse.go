package salesforcetest

import (
	"strconv"
	"strings"
)

// The SOQL subset a sync client sends: SELECT list (or COUNT()), FROM one object,
// WHERE with AND/OR/NOT and parentheses, comparisons, IN, LIKE, ORDER BY several fields
// with ASC/DESC and NULLS FIRST/LAST, LIMIT and OFFSET.

// fieldRef is a field name as written, with its place for error messages.
type fieldRef struct {
	name string
	pos  int
}

type literal struct {
	tok  token
	kind tokenKind // tkString, tkNumber, tkDate, tkDateTime, or tkIdent for NULL/TRUE/FALSE
}

func (l literal) isNull() bool { return l.kind == tkIdent && strings.EqualFold(l.tok.text, "null") }

// node is a parsed WHERE condition.
type node struct {
	op       string // "and", "or", "not", "cmp", "in", "like"
	kids     []*node
	field    fieldRef
	cmp      string // = != < <= > >=
	negate   bool   // NOT IN, NOT LIKE
	values   []literal
	resolved *condition // set by resolve
}

type orderItem struct {
	field      fieldRef
	desc       bool
	nullsFirst bool
}

type statement struct {
	count  bool
	fields []fieldRef
	object fieldRef
	where  *node
	order  []orderItem
	limit  int // -1: none
	offset int
	offPos int
}

type parser struct {
	stmt string
	toks []token
	i    int
}

func parseSOQL(stmt string) (*statement, *soqlError) {
	toks, err := lex(stmt)
	if err != nil {
		return nil, err
	}
	p := &parser{stmt: stmt, toks: toks}
	return p.statement()
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) next() token { t := p.toks[p.i]; p.i = min(p.i+1, len(p.toks)-1); return t }

func (p *parser) expectKeyword(k string) *soqlError {
	if t := p.next(); !t.keyword(k) {
		return unexpected(p.stmt, t)
	}
	return nil
}

func (p *parser) acceptKeyword(k string) bool {
	if p.peek().keyword(k) {
		p.next()
		return true
	}
	return false
}

// reserved words cannot name a field or an object.
var reserved = map[string]bool{"select": true, "from": true, "where": true, "and": true, "or": true,
	"not": true, "in": true, "like": true, "order": true, "by": true, "limit": true, "offset": true,
	"null": true, "true": true, "false": true, "asc": true, "desc": true, "nulls": true, "group": true,
	"having": true, "includes": true, "excludes": true}

func (p *parser) ident() (fieldRef, *soqlError) {
	t := p.next()
	if t.kind != tkIdent || reserved[strings.ToLower(t.text)] || strings.HasSuffix(t.text, ".") {
		return fieldRef{}, unexpected(p.stmt, t)
	}
	return fieldRef{name: t.text, pos: t.pos}, nil
}

func (p *parser) statement() (*statement, *soqlError) {
	st := &statement{limit: -1}
	if err := p.expectKeyword("SELECT"); err != nil {
		return nil, err
	}
	if err := p.selectList(st); err != nil {
		return nil, err
	}
	if err := p.expectKeyword("FROM"); err != nil {
		return nil, err
	}
	obj, err := p.ident()
	if err != nil {
		return nil, err
	}
	st.object = obj
	if p.acceptKeyword("WHERE") {
		if st.where, err = p.or(); err != nil {
			return nil, err
		}
	}
	if p.acceptKeyword("ORDER") {
		if err := p.expectKeyword("BY"); err != nil {
			return nil, err
		}
		if st.order, err = p.orderList(); err != nil {
			return nil, err
		}
	}
	if p.acceptKeyword("LIMIT") {
		if st.limit, err = p.integer(); err != nil {
			return nil, err
		}
	}
	if p.peek().keyword("OFFSET") {
		st.offPos = p.next().pos
		if st.offset, err = p.integer(); err != nil {
			return nil, err
		}
	}
	if t := p.next(); t.kind != tkEOF {
		return nil, unexpected(p.stmt, t)
	}
	return st, nil
}

func (p *parser) selectList(st *statement) *soqlError {
	if p.peek().keyword("COUNT") && p.toks[p.i+1].kind == tkLParen {
		p.next()
		p.next()
		if t := p.next(); t.kind != tkRParen {
			return unexpected(p.stmt, t)
		}
		st.count = true
		return nil
	}
	for {
		f, err := p.ident()
		if err != nil {
			return err
		}
		st.fields = append(st.fields, f)
		if p.peek().kind != tkComma {
			return nil
		}
		p.next()
	}
}

func (p *parser) integer() (int, *soqlError) {
	t := p.next()
	n, err := strconv.Atoi(t.text)
	if t.kind != tkNumber || err != nil || n < 0 {
		return 0, unexpected(p.stmt, t)
	}
	return n, nil
}

func (p *parser) or() (*node, *soqlError) {
	left, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.acceptKeyword("OR") {
		right, err := p.and()
		if err != nil {
			return nil, err
		}
		left = &node{op: "or", kids: []*node{left, right}}
	}
	return left, nil
}

func (p *parser) and() (*node, *soqlError) {
	left, err := p.not()
	if err != nil {
		return nil, err
	}
	for p.acceptKeyword("AND") {
		right, err := p.not()
		if err != nil {
			return nil, err
		}
		left = &node{op: "and", kids: []*node{left, right}}
	}
	return left, nil
}

func (p *parser) not() (*node, *soqlError) {
	if p.acceptKeyword("NOT") {
		inner, err := p.atom()
		if err != nil {
			return nil, err
		}
		return &node{op: "not", kids: []*node{inner}}, nil
	}
	return p.atom()
}

func (p *parser) atom() (*node, *soqlError) {
	if p.peek().kind == tkLParen {
		p.next()
		inner, err := p.or()
		if err != nil {
			return nil, err
		}
		if t := p.next(); t.kind != tkRParen {
			return nil, unexpected(p.stmt, t)
		}
		return inner, nil
	}
	f, err := p.ident()
	if err != nil {
		return nil, err
	}
	n := &node{field: f}
	n.negate = p.acceptKeyword("NOT")
	switch t := p.next(); {
	case t.keyword("IN"):
		n.op = "in"
		n.values, err = p.valueList()
	case t.keyword("LIKE"):
		n.op = "like"
		var v literal
		v, err = p.value()
		n.values = []literal{v}
		if err == nil && v.kind != tkString {
			err = unexpected(p.stmt, v.tok)
		}
	case t.kind == tkOp && !n.negate:
		n.op, n.cmp = "cmp", t.text
		if n.cmp == "<>" {
			n.cmp = "!="
		}
		var v literal
		v, err = p.value()
		n.values = []literal{v}
	default:
		return nil, unexpected(p.stmt, t)
	}
	return n, err
}

func (p *parser) valueList() ([]literal, *soqlError) {
	if t := p.next(); t.kind != tkLParen {
		return nil, unexpected(p.stmt, t)
	}
	var out []literal
	for {
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		switch t := p.next(); t.kind {
		case tkComma:
		case tkRParen:
			return out, nil
		default:
			return nil, unexpected(p.stmt, t)
		}
	}
}

func (p *parser) value() (literal, *soqlError) {
	t := p.next()
	switch t.kind {
	case tkString, tkNumber, tkDate, tkDateTime:
		return literal{tok: t, kind: t.kind}, nil
	case tkIdent:
		switch strings.ToLower(t.text) {
		case "null", "true", "false":
			return literal{tok: t, kind: tkIdent}, nil
		}
	}
	return literal{}, unexpected(p.stmt, t)
}

func (p *parser) orderList() ([]orderItem, *soqlError) {
	var out []orderItem
	for {
		f, err := p.ident()
		if err != nil {
			return nil, err
		}
		item := orderItem{field: f, nullsFirst: true}
		if p.acceptKeyword("DESC") {
			item.desc, item.nullsFirst = true, false
		} else {
			p.acceptKeyword("ASC")
		}
		if p.acceptKeyword("NULLS") {
			switch t := p.next(); {
			case t.keyword("FIRST"):
				item.nullsFirst = true
			case t.keyword("LAST"):
				item.nullsFirst = false
			default:
				return nil, unexpected(p.stmt, t)
			}
		}
		out = append(out, item)
		if p.peek().kind != tkComma {
			return out, nil
		}
		p.next()
	}
}
