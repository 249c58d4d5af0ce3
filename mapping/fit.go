package mapping

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/leadsync/leadsync/crm"
)

// MultiSelect reports whether a field takes several of its options joined by ";": a
// Salesforce multipicklist or a HubSpot checkbox enumeration (salesforce-api.md §3.4,
// §5.6; hubspot-api.md §3.3, §7.3). Each part is an option, the joined string is not.
func MultiSelect(fs crm.FieldSchema) bool {
	return fs.Type == "enumeration" && (fs.FieldType == "multipicklist" || fs.FieldType == "checkbox")
}

// integerFieldTypes hold whole numbers only: a Salesforce int is a 32-bit integer,
// and a decimal sent to one fails the whole write request (salesforce-api.md §4.6).
var integerFieldTypes = map[string]bool{"int": true}

// Misfit says why a field's type or options refuse value, or "" when it fits (""
// clears a field and always fits). The reason names no value, since values may be
// personal data; it reads after "the value".
func Misfit(fs crm.FieldSchema, value string) string {
	why, _ := misfit(fs, value)
	return why
}

// misfit is Misfit, and the part of a multi-select value that is not an option.
func misfit(fs crm.FieldSchema, value string) (why, part string) {
	if value == "" {
		return "", ""
	}
	switch fs.Type {
	case "enumeration":
		if len(fs.Options) == 0 { // unrestricted, or options kept elsewhere (owners)
			return "", ""
		}
		parts := []string{value}
		if MultiSelect(fs) {
			parts = strings.Split(value, ";")
		}
		for _, p := range parts {
			if !slices.Contains(fs.Options, p) {
				return "is not an option", p
			}
		}
	case "number":
		return numberMisfit(fs, value), ""
	case "bool":
		if !strings.EqualFold(value, "true") && !strings.EqualFold(value, "false") {
			return "is not true or false", ""
		}
	case "date":
		if _, err := time.Parse(time.DateOnly, value); err != nil && !epochMidnight(value) {
			return "is not a date (YYYY-MM-DD)", ""
		}
	case "datetime":
		if _, err := time.Parse(time.RFC3339Nano, value); err != nil && !isAllDigits(value) {
			return "is not a date-time (ISO 8601 with a zone, or epoch milliseconds)", ""
		}
	}
	return "", ""
}

func numberMisfit(fs crm.FieldSchema, value string) string {
	n, ok := canonicalNumber(value)
	if !ok {
		return "is not a number"
	}
	if integerFieldTypes[fs.FieldType] {
		f, err := strconv.ParseFloat(n, 64)
		if err != nil || f != math.Trunc(f) || f > math.MaxInt32 || f < math.MinInt32 {
			return "is not a whole number within the field's range"
		}
	}
	return ""
}

// epochMidnight reports whether value is epoch milliseconds at midnight UTC, the
// other date form HubSpot takes (hubspot-api.md §3.3).
func epochMidnight(value string) bool {
	ms, err := strconv.ParseInt(value, 10, 64)
	return err == nil && ms%(24*60*60*1000) == 0
}
