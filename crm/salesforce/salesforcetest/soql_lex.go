package salesforcetest

import (
	"fmt"
	"strings"
)

// tokenKind classifies SOQL tokens.
type tokenKind int

const (
	tkEOF tokenKind = iota
	tkIdent
	tkString
	tkNumber
	tkDate
	tkDateTime
	tkOp
	tkLParen
	tkRParen
	tkComma
)

type token struct {
	kind tokenKind
	text string // identifier or operator as written; a string literal unescaped
	pos  int    // byte offset in the statement
}

// keyword reports whether the token is the given keyword (case-insensitive).
func (t token) keyword(k string) bool { return t.kind == tkIdent && strings.EqualFold(t.text, k) }

// soqlError is a query refused with Salesforce's error code and message.
type soqlError struct {
	code, msg string
}

func (e *soqlError) Error() string { return e.code + ": " + e.msg }

// errorAt builds Salesforce's positional message: the statement, a caret under the
// offending column, "ERROR at Row:r:Column:c" and the reason.
func errorAt(stmt string, pos int, code, reason string) *soqlError {
	pos = min(max(pos, 0), len(stmt))
	row := strings.Count(stmt[:pos], "\n") + 1
	lineStart := strings.LastIndexByte(stmt[:pos], '\n') + 1
	lineEnd := strings.IndexByte(stmt[pos:], '\n')
	line := stmt[lineStart:]
	if lineEnd >= 0 {
		line = stmt[lineStart : pos+lineEnd]
	}
	col := pos - lineStart + 1
	msg := fmt.Sprintf("\n%s\n%s^\nERROR at Row:%d:Column:%d\n%s", line, strings.Repeat(" ", col-1), row, col, reason)
	return &soqlError{code: code, msg: msg}
}

func unexpected(stmt string, t token) *soqlError {
	text := t.text
	switch t.kind {
	case tkEOF:
		text = "<EOF>"
	case tkString:
		text = "'" + t.text + "'"
	}
	return errorAt(stmt, t.pos, "MALFORMED_QUERY", "unexpected token: '"+text+"'")
}

// lex splits a statement into tokens.
func lex(stmt string) ([]token, *soqlError) {
	var out []token
	i := 0
	for i < len(stmt) {
		c := stmt[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(':
			out = append(out, token{kind: tkLParen, text: "(", pos: i})
			i++
		case c == ')':
			out = append(out, token{kind: tkRParen, text: ")", pos: i})
			i++
		case c == ',':
			out = append(out, token{kind: tkComma, text: ",", pos: i})
			i++
		case c == '\'':
			t, n, err := lexString(stmt, i)
			if err != nil {
				return nil, err
			}
			out = append(out, t)
			i = n
		case c == '=' || c == '<' || c == '>' || c == '!':
			n := i + 1
			if n < len(stmt) && c != '=' && (stmt[n] == '=' || c == '<' && stmt[n] == '>') {
				n++
			}
			op := stmt[i:n]
			if op == "!" {
				return nil, errorAt(stmt, i, "MALFORMED_QUERY", "unexpected token: '!'")
			}
			out = append(out, token{kind: tkOp, text: op, pos: i})
			i = n
		case isDigit(c) || (c == '-' || c == '+' || c == '.') && i+1 < len(stmt) && isDigit(stmt[i+1]):
			t, n := lexNumberOrDate(stmt, i)
			out = append(out, t)
			i = n
		case isIdentStart(c):
			n := i
			for n < len(stmt) && (isIdentStart(stmt[n]) || isDigit(stmt[n]) || stmt[n] == '.') {
				n++
			}
			out = append(out, token{kind: tkIdent, text: stmt[i:n], pos: i})
			i = n
		default:
			return nil, errorAt(stmt, i, "MALFORMED_QUERY", "unexpected token: '"+string(c)+"'")
		}
	}
	return append(out, token{kind: tkEOF, pos: len(stmt)}), nil
}

// lexString reads a quoted literal with SOQL's backslash escapes. \% and \_ stay
// escaped, because they only mean something to LIKE.
func lexString(stmt string, start int) (token, int, *soqlError) {
	var b strings.Builder
	for i := start + 1; i < len(stmt); i++ {
		c := stmt[i]
		switch c {
		case '\'':
			return token{kind: tkString, text: b.String(), pos: start}, i + 1, nil
		case '\\':
			if i+1 >= len(stmt) {
				break
			}
			i++
			switch e := stmt[i]; e {
			case '\'', '"', '\\':
				b.WriteByte(e)
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case '%', '_':
				b.WriteByte('\\')
				b.WriteByte(e)
			default:
				return token{}, 0, errorAt(stmt, i-1, "MALFORMED_QUERY",
					"Invalid string literal '"+stmt[start:min(i+1, len(stmt))]+"'. Illegal character sequence '\\"+string(e)+"' in string literal.")
			}
		default:
			b.WriteByte(c)
		}
	}
	return token{}, 0, errorAt(stmt, start, "MALFORMED_QUERY", "line 1:"+fmt.Sprint(start)+" mismatched character '<EOF>' expecting '''")
}

// lexNumberOrDate reads a number, a date (YYYY-MM-DD) or a datetime literal.
func lexNumberOrDate(stmt string, start int) (token, int) {
	if isDatePrefix(stmt[start:]) {
		n := start + 10
		if n < len(stmt) && stmt[n] == 'T' {
			for n < len(stmt) && strings.IndexByte("0123456789T:.+-Z", stmt[n]) >= 0 {
				n++
			}
			return token{kind: tkDateTime, text: stmt[start:n], pos: start}, n
		}
		return token{kind: tkDate, text: stmt[start:n], pos: start}, n
	}
	n := start + 1
	for n < len(stmt) && (isDigit(stmt[n]) || stmt[n] == '.') {
		n++
	}
	return token{kind: tkNumber, text: stmt[start:n], pos: start}, n
}

func isDatePrefix(s string) bool {
	if len(s) < 10 || s[4] != '-' || s[7] != '-' {
		return false
	}
	for _, i := range []int{0, 1, 2, 3, 5, 6, 8, 9} {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

func isDigit(c byte) bool      { return c >= '0' && c <= '9' }
func isIdentStart(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
