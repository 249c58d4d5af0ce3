package mapping

import (
	"encoding/json"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// scalarString renders a decoded JSON scalar in the CRM's string encoding: strings as
// they are, numbers as canonical decimals, bools as true/false. ok is false for null,
// objects and arrays.
func scalarString(v any) (s string, ok bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case bool:
		return strconv.FormatBool(x), true
	case float64:
		return formatFloat(x)
	case float32:
		return formatFloat(float64(x))
	case json.Number:
		return canonicalNumber(string(x))
	case int:
		return strconv.Itoa(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case int32:
		return strconv.FormatInt(int64(x), 10), true
	case uint64:
		return strconv.FormatUint(x, 10), true
	default:
		return "", false
	}
}

func formatFloat(f float64) (string, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "", false
	}
	if f == 0 {
		return "0", true // also for -0
	}
	return strconv.FormatFloat(f, 'f', -1, 64), true
}

var decimalRE = regexp.MustCompile(`^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$`)

// canonicalNumber renders a decimal number text without exponent, leading "+", or
// trailing zeros. Integers of any size keep every digit; fractions go through float64.
func canonicalNumber(text string) (string, bool) {
	text = strings.TrimSpace(text)
	if !decimalRE.MatchString(text) {
		return "", false
	}
	if digits := strings.TrimLeft(strings.TrimPrefix(text, "-"), "+"); isAllDigits(digits) {
		digits = strings.TrimLeft(digits, "0")
		if digits == "" {
			return "0", true
		}
		if strings.HasPrefix(text, "-") {
			return "-" + digits, true
		}
		return digits, true
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return "", false
	}
	return formatFloat(f)
}

func isAllDigits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// truthy is JavaScript's truthiness over decoded JSON, the reading people expect of
// "when: contact.phones[0].doNotCall".
func truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case string:
		return x != ""
	case map[string]any:
		return len(x) > 0
	case []any:
		return len(x) > 0
	default:
		s, ok := scalarString(v)
		return ok && s != "0"
	}
}
