package salesforce

import (
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/leadsync/leadsync/crm"
)

// nameSyntax is an API name of an object or field (custom ones end in __c). Checking
// names keeps caller input from changing the statement's shape.
var nameSyntax = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)

// soqlDatetime is the documented literal form: unquoted, whole seconds, Z.
const soqlDatetime = "2006-01-02T15:04:05Z"

// changesQuery builds the read: records from the lower bound on (see
// tracker.lowerBound), stamped before upper, matching the filter terms, in
// (SystemModstamp, Id) order.
func changesQuery(object string, fields []string, lower string, terms []string, upper time.Time) string {
	var where []string
	if lower != "" {
		where = append(where, lower)
	}
	where = append(where, "SystemModstamp < "+upper.UTC().Format(soqlDatetime))
	where = append(where, terms...)
	return "SELECT " + strings.Join(fields, ", ") + " FROM " + object +
		" WHERE " + strings.Join(where, " AND ") + " ORDER BY SystemModstamp ASC, Id ASC"
}

// quote makes a SOQL string literal: backslash escapes for the quote, the backslash
// and control characters, so that no value can end the literal early.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for _, r := range s {
		switch r {
		case '\'':
			b.WriteString(`\'`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

// selectList is Id and SystemModstamp, then the caller's fields, each once: SOQL
// refuses a field selected twice, and names are case-insensitive.
func selectList(fields []string) []string {
	out := []string{"Id", "SystemModstamp"}
	seen := map[string]bool{"id": true, "systemmodstamp": true}
	for _, f := range fields {
		if k := strings.ToLower(f); !seen[k] {
			seen[k] = true
			out = append(out, f)
		}
	}
	return out
}

// checkNames refuses object and field names that are not plain API names.
func checkNames(object string, req crm.ChangesRequest) string {
	if !nameSyntax.MatchString(object) {
		return "bad object name " + quote(object)
	}
	names := slices.Concat(req.Fields, req.Filter.Missing, slices.Collect(maps.Keys(req.Filter.Equals)))
	for _, n := range names {
		if !nameSyntax.MatchString(n) {
			return "bad field name " + quote(n)
		}
	}
	return ""
}
