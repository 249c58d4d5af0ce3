package state

import (
	"strconv"
	"strings"
	"sync"
)

// dialect is what differs between the two backends' SQL. The queries are written
// once, in SQLite's syntax where the two differ only in spelling (placeholders ?
// and ?N); bind rewrites them for PostgreSQL. Whatever cannot be rewritten that
// way is written portably (NOT EXISTS instead of UPDATE OR IGNORE, CASE instead
// of adding a boolean, integers instead of booleans) or lives here.
type dialect struct {
	// dollar: placeholders are $N (PostgreSQL), not ? and ?N.
	dollar bool
	// noLimit is the LIMIT argument that means "no limit".
	noLimit any
	// lock, unless empty, runs first in every write transaction: it gives the
	// write transactions of every process one order, as SQLite's single writer
	// (BEGIN IMMEDIATE) does. See postgresWriteLock.
	lock string
	// prepare keeps the per-record statements prepared (stmtCache). pgx already
	// prepares and caches every statement per connection.
	prepare bool
	bound   sync.Map // query → bound query
}

func newSQLiteDialect() *dialect { return &dialect{noLimit: -1, prepare: true} }

func newPostgresDialect() *dialect {
	return &dialect{dollar: true, noLimit: nil, lock: postgresWriteLock}
}

// bind returns q with its placeholders in the dialect's syntax.
func (d *dialect) bind(q string) string {
	if !d.dollar {
		return q
	}
	if b, ok := d.bound.Load(q); ok {
		return b.(string)
	}
	b := dollarPlaceholders(q)
	d.bound.Store(q, b)
	return b
}

// dollarPlaceholders turns SQLite's ? and ?N into $N, numbering a bare ? as SQLite
// does (one more than the largest number so far), and leaves string literals alone.
func dollarPlaceholders(q string) string {
	var (
		b        strings.Builder
		top      int
		inString bool
	)
	b.Grow(len(q) + 16)
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'':
			inString = !inString
		case c == '?' && !inString:
			j := i + 1
			for j < len(q) && q[j] >= '0' && q[j] <= '9' {
				j++
			}
			n := top + 1
			if j > i+1 {
				n, _ = strconv.Atoi(q[i+1 : j]) // digits only
			}
			top = max(top, n)
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			i = j - 1
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// b2i stores a boolean as 0 or 1: both schemas keep flags in integer columns, so
// that the SQL compares them with literals the same way.
func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
