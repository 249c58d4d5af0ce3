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

// validate converts a record's JSON field values to storage encoding, collecting every
// refused field. id and attributes are not fields. A value that cannot be
// deserialized fails the whole request instead.
func (o *object) validate(body map[string]json.RawMessage) (map[string]string, []recordError, *requestError) {
	out := map[string]string{}
	var errs []recordError
	var readOnly []string
	for name, raw := range body {
		if strings.EqualFold(name, "attributes") || strings.EqualFold(name, "id") {
			continue
		}
		f, ok := o.field(name)
		if !ok {
			return nil, nil, unknownField(o.name, name)
		}
		text, isNull, rerr := deserialize(f, raw)
		if rerr != nil {
			return nil, nil, rerr
		}
		if f.ReadOnly {
			readOnly = append(readOnly, f.Name)
			continue
		}
		v, e := convert(f, text, isNull)
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

// convert checks one deserialized value against its field, as the org's save does.
func convert(f Field, text string, isNull bool) (string, *recordError) {
	fail := func(code, msg string) *recordError {
		return &recordError{StatusCode: code, Message: msg, Fields: []string{f.Name}}
	}
	if isNull {
		if f.Required {
			return "", fail("REQUIRED_FIELD_MISSING", "Required fields are missing: ["+f.Name+"]")
		}
		return "", nil
	}
	switch {
	case f.Type == "int" && len(strings.TrimPrefix(text, "-")) > f.Digits:
		return "", fail("NUMBER_OUTSIDE_VALID_RANGE", f.Label+": value outside of valid range on numeric field: "+text)
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

// parseWriteDatetime accepts the request-body datetime forms: offset with colon or Z,
// milliseconds optional, and the colon-less offset Salesforce itself emits.
func parseWriteDatetime(s string) (time.Time, error) {
	t, err := time.Parse("2006-01-02T15:04:05.999Z07:00", s)
	if err != nil {
		t, err = time.Parse("2006-01-02T15:04:05.999-0700", s)
	}
	return t, err
}
