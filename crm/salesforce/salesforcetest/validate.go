package salesforcetest

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// recordError is one entry of a record's errors, as collections report them.
type recordError struct {
	StatusCode string   `json:"statusCode"`
	Message    string   `json:"message"`
	Fields     []string `json:"fields"`
}

// emailSyntax approximates the address syntax Salesforce accepts.
var emailSyntax = regexp.MustCompile("^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")

// unknownField is a field name the object does not have: it fails the whole request,
// because Salesforce refuses such a body while deserializing it.
type unknownField struct{ object, name string }

func (u unknownField) message() string {
	return "No such column '" + u.name + "' on sobject of type " + u.object
}

// validate converts a record's JSON field values to storage encoding, collecting every
// refused field. id and attributes are not fields.
func (o *object) validate(body map[string]json.RawMessage) (map[string]string, []recordError, *unknownField) {
	out := map[string]string{}
	var errs []recordError
	var readOnly []string
	for name, raw := range body {
		if strings.EqualFold(name, "attributes") || strings.EqualFold(name, "id") {
			continue
		}
		f, ok := o.field(name)
		if !ok {
			return nil, nil, &unknownField{object: o.name, name: name}
		}
		if f.ReadOnly {
			readOnly = append(readOnly, f.Name)
			continue
		}
		v, e := convert(f, raw)
		if e != nil {
			errs = append(errs, *e)
			continue
		}
		out[f.Name] = v
	}
	if len(readOnly) > 0 {
		errs = append(errs, recordError{StatusCode: "INVALID_FIELD_FOR_INSERT_UPDATE",
			Message: "Unable to create/update fields: " + strings.Join(readOnly, ", ") +
				". Please check the security settings of this field and verify that it is read/write for your profile or permission set.",
			Fields: readOnly})
	}
	return out, errs, nil
}

// convert checks one value against its field, as the org's save does.
func convert(f Field, raw json.RawMessage) (string, *recordError) {
	fail := func(code, msg string) *recordError {
		return &recordError{StatusCode: code, Message: msg, Fields: []string{f.Name}}
	}
	text, isNull := rawText(raw)
	if isNull {
		if f.Required {
			return "", fail("REQUIRED_FIELD_MISSING", "Required fields are missing: ["+f.Name+"]")
		}
		return "", nil
	}
	notType := fail("INVALID_TYPE_ON_FIELD_IN_RECORD", f.Label+": value not of required type: "+text)
	switch {
	case f.Type == "boolean":
		if text != "true" && text != "false" {
			return "", notType
		}
	case isNumber(f.Type):
		n, ok := parseNumber(text)
		if !ok || f.Type == "int" && n != float64(int64(n)) {
			return "", notType
		}
		if f.Type == "int" && len(strconv.FormatInt(int64(max(n, -n)), 10)) > f.Digits {
			return "", fail("NUMBER_OUTSIDE_VALID_RANGE", f.Label+": value outside of valid range on numeric field: "+text)
		}
		return strconv.FormatFloat(n, 'f', -1, 64), nil
	case f.Type == "date":
		if _, err := time.Parse(time.DateOnly, text); err != nil {
			return "", notType
		}
	case f.Type == "datetime":
		t, err := parseWriteDatetime(text)
		if err != nil {
			return "", notType
		}
		return t.UTC().Truncate(time.Second).Format(datetimeLayout), nil
	case f.Type == "reference":
		id, ok := normalizeID(text)
		if !ok {
			return "", fail("MALFORMED_ID", f.Label+": id value of incorrect type: "+text)
		}
		return id, nil
	case isText(f.Type):
		return convertText(f, text, fail)
	}
	return text, nil
}

func convertText(f Field, text string, fail func(code, msg string) *recordError) (string, *recordError) {
	if utf8.RuneCountInString(text) > f.Length {
		return "", fail("STRING_TOO_LONG", f.Label+": data value too large: "+text+" (max length="+strconv.Itoa(f.Length)+")")
	}
	switch f.Type {
	case "email":
		if !emailSyntax.MatchString(text) {
			return "", fail("INVALID_EMAIL_ADDRESS", f.Label+": invalid email address: "+text)
		}
	case "picklist", "multipicklist":
		if !f.Restricted {
			break
		}
		parts := []string{text}
		if f.Type == "multipicklist" {
			parts = strings.Split(text, ";")
		}
		for _, p := range parts {
			if !contains(f.Picklist, p) {
				return "", fail("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", f.Label+": bad value for restricted picklist field: "+p)
			}
		}
	}
	return text, nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// rawText reads a JSON scalar as text; numbers keep their literal form.
func rawText(raw json.RawMessage) (string, bool) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, s == "" // Salesforce stores an empty string as null
	}
	t := strings.TrimSpace(string(raw))
	return t, t == "null" || t == ""
}

// parseWriteDatetime accepts the request-body datetime forms: offset with colon or Z,
// milliseconds optional, and the colon-less offset Salesforce itself emits.
func parseWriteDatetime(s string) (time.Time, error) {
	t, err := time.Parse("2006-01-02T15:04:05.999Z07:00", s)
	if err != nil {
		t, err = time.Parse("2006-01-02T15:04:05.999-0700", s)
	}
	return t, err
}
