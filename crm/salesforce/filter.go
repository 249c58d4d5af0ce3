package salesforce

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/leadsync/leadsync/crm"
)

// unconverted keeps converted leads out of every Lead read. A converted lead stays a
// Lead row (IsConverted = true) and refuses every update with
// CANNOT_UPDATE_CONVERTED_LEAD, so enriching it would buy Lusha data for a write that
// must fail; leaving it out of the SOQL spends nothing on it (salesforce-api.md §7.3:
// "the daemon should skip them (WHERE IsConverted = false)").
func unconverted(object string) []string {
	if strings.EqualFold(object, "Lead") {
		return []string{"IsConverted = false"}
	}
	return nil
}

// filterTerms pushes the pipeline filter into WHERE: Missing as "= null", Equals as a
// comparison with a literal of the field's describe type (an empty value means null).
// Sorted, so that one request always builds one statement.
func filterTerms(f crm.Filter, types map[string]string) ([]string, error) {
	var out []string
	for _, m := range slices.Sorted(slices.Values(f.Missing)) {
		out = append(out, m+" = null")
	}
	for _, k := range slices.Sorted(maps.Keys(f.Equals)) {
		v := f.Equals[k]
		if v == "" {
			out = append(out, k+" = null")
			continue
		}
		lit, err := literal(types[strings.ToLower(k)], v)
		if err != nil {
			return nil, fmt.Errorf("filter %s: %w", k, err)
		}
		out = append(out, k+" = "+lit)
	}
	return out, nil
}

var numberSyntax = regexp.MustCompile(`^[-+]?\d+(\.\d+)?$`)

// literal writes a value as SOQL takes it for a field of type typ: booleans, numbers,
// dates and datetimes unquoted, anything else as a string literal. SOQL refuses a
// quoted boolean or number ("must be of type boolean and should not be enclosed in
// quotes", INVALID_FIELD), as it refuses a quoted datetime (salesforce-api.md §3.7,
// §3.8). A field describe does not know is quoted: the org then names the problem.
func literal(typ, v string) (string, error) {
	switch typ {
	case "boolean":
		if b := strings.ToLower(v); b == "true" || b == "false" {
			return b, nil
		}
		return "", fmt.Errorf("%s is not a boolean (true or false)", quote(v))
	case "int", "long", "double", "currency", "percent":
		if numberSyntax.MatchString(v) {
			return v, nil
		}
		return "", fmt.Errorf("%s is not a number", quote(v))
	case "date":
		if _, err := time.Parse(time.DateOnly, v); err == nil {
			return v, nil
		}
		return "", fmt.Errorf("%s is not a date (YYYY-MM-DD)", quote(v))
	case "datetime":
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			return t.UTC().Format(soqlDatetime), nil
		}
		return "", fmt.Errorf("%s is not a datetime (RFC 3339)", quote(v))
	}
	return quote(v), nil
}
