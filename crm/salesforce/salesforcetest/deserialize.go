package salesforcetest

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"
)

// requestError fails a whole request while its body is deserialized, before any
// record is looked at: an unknown field (INVALID_FIELD) or a value the field's type
// cannot be read from (JSON_PARSER_ERROR). Nothing of the request is saved.
type requestError struct{ code, message string }

func unknownField(object, name string) *requestError {
	return &requestError{code: "INVALID_FIELD", message: "No such column '" + name + "' on sobject of type " + object}
}

// parserError is Salesforce's JSON_PARSER_ERROR (reference §4.6 item 3, §6.3: HTTP 400
// for the whole request). The message follows the deserializer's wording as seen
// in the field, without the [line, column] suffix real answers carry (INFERENCE: the
// reference records the code, not the text).
func parserError(f Field, token, value string) *requestError {
	return &requestError{code: "JSON_PARSER_ERROR", message: "Cannot deserialize instance of " + f.Type + " from " +
		token + " value " + value + " or request may be missing a required field"}
}

// deserialize reads one field's JSON value as the REST deserializer does and returns
// it in storage encoding; isNull for null and "" (Salesforce stores "" as null).
// Numeric strings are read as numbers (reference §4.6 item 3: the documented sample
// sends "numberOfEmployees": "100") and "true"/"false" as booleans (INFERENCE); a
// fraction for an int, text for a number, boolean or date, or an object or array for
// any field fails the request (INFERENCE, the audit of issue 13).
func deserialize(f Field, raw json.RawMessage) (text string, isNull bool, err *requestError) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if dec.Decode(&v) != nil {
		return "", false, &requestError{code: "JSON_PARSER_ERROR", message: "Unexpected character in the value of " + f.Name}
	}
	token, literal := jsonToken(v)
	switch v := v.(type) {
	case nil:
		return "", true, nil
	case string:
		if v == "" {
			return "", true, nil
		}
	case map[string]any, []any:
		return "", false, parserError(f, token, literal)
	}
	if text, ok := readAs(f.Type, token, literal); ok {
		return text, false, nil
	}
	return "", false, parserError(f, token, literal)
}

// jsonToken names a decoded value's JSON token as Jackson does, with its text.
func jsonToken(v any) (token, literal string) {
	switch v := v.(type) {
	case string:
		return "VALUE_STRING", v
	case json.Number:
		if strings.ContainsAny(string(v), ".eE") {
			return "VALUE_NUMBER_FLOAT", string(v)
		}
		return "VALUE_NUMBER_INT", string(v)
	case bool:
		return strings.ToUpper("VALUE_" + strconv.FormatBool(v)), strconv.FormatBool(v)
	case map[string]any:
		return "START_OBJECT", "{…}"
	case []any:
		return "START_ARRAY", "[…]"
	}
	return "VALUE_NULL", "null"
}

// readAs converts a scalar to storage encoding for a field type, or reports false.
func readAs(typ, token, literal string) (string, bool) {
	switch {
	case typ == "boolean":
		literal = strings.ToLower(literal)
		return literal, token != "VALUE_NUMBER_INT" && token != "VALUE_NUMBER_FLOAT" && (literal == "true" || literal == "false")
	case typ == "int":
		n, ok := readNumber(token, literal)
		// An int field is a 32-bit integer (soapType xsd:int).
		if !ok || n != math.Trunc(n) || n > math.MaxInt32 || n < math.MinInt32 {
			return "", false
		}
		return strconv.FormatFloat(n, 'f', -1, 64), true
	case isNumber(typ):
		n, ok := readNumber(token, literal)
		return strconv.FormatFloat(n, 'f', -1, 64), ok
	case typ == "date":
		_, err := time.Parse(time.DateOnly, literal)
		return literal, err == nil && token == "VALUE_STRING"
	case typ == "datetime":
		t, err := parseWriteDatetime(literal)
		if err != nil || token != "VALUE_STRING" {
			return "", false
		}
		return t.UTC().Truncate(time.Second).Format(datetimeLayout), true
	}
	// Text types take any scalar as its text.
	return literal, true
}

// readNumber reads a JSON number (exponents included) or a plain decimal string.
func readNumber(token, literal string) (float64, bool) {
	switch token {
	case "VALUE_NUMBER_INT", "VALUE_NUMBER_FLOAT":
		n, err := strconv.ParseFloat(literal, 64)
		return n, err == nil
	case "VALUE_STRING":
		return parseNumber(strings.TrimSpace(literal))
	}
	return 0, false
}
