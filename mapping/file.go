package mapping

import (
	"regexp"
	"strings"
)

// File is the shape of a mapping file as written, for tools that describe it (the
// JSON Schema under configs/schema is generated from it). Parse does not use it: it
// reads the YAML tree itself, to report every problem at its line and column, and it
// also checks what a shape cannot say (paths against the answer schema, a match that
// identifies someone). The json tags are the file's keys.
type File struct {
	// Object is the CRM object the mapping writes (contacts, Lead, companies, Account …).
	Object string `json:"object" jsonschema:"required,minLength=1"`
	// DefaultRegion is the region of phone numbers written without a country code.
	DefaultRegion string `json:"default_region,omitempty" jsonschema:"pattern=^[A-Za-z]{2}$"`
	// Match is what identifies the record to Lusha, read from CRM fields.
	Match FileMatch `json:"match" jsonschema:"required"`
	// Fields maps each CRM field to the spec of its value.
	Fields map[string]FileField `json:"fields" jsonschema:"required"`
	// Signals maps a signal type (companyChange, promotion; a company signal type in a
	// company mapping) to the CRM fields acting on such a signal writes, in the form of
	// fields; their paths may also read the signal's data: signal.….
	Signals map[string]map[string]FileField `json:"signals,omitempty"`
}

// FileMatch is a mapping's match: each key names the CRM field an identity part is read
// from. A company mapping uses only companyDomain and companyName.
type FileMatch struct {
	Email         *FileMatchRule `json:"email,omitempty"`
	LinkedinURL   *FileMatchRule `json:"linkedinUrl,omitempty"`
	FirstName     *FileMatchRule `json:"firstName,omitempty"`
	LastName      *FileMatchRule `json:"lastName,omitempty"`
	CompanyName   *FileMatchRule `json:"companyName,omitempty"`
	CompanyDomain *FileMatchRule `json:"companyDomain,omitempty"`
}

// FileMatchRule is a CRM field name, or {from: field, transform: …}.
type FileMatchRule struct {
	From      string         `json:"from" jsonschema:"required,minLength=1"`
	Transform FileTransforms `json:"transform,omitempty"`
}

// FileTransforms is one transform ("domain", "truncate:80") or a list of them.
type FileTransforms []string

// FileField is one entry of fields: exactly one of from (an answer path) or value (a
// constant), then optional transforms, value table, conditions and policy.
type FileField struct {
	From      FilePath       `json:"from,omitempty" jsonschema:"oneof_required=from"`
	Value     FileScalar     `json:"value,omitempty" jsonschema:"oneof_required=value"`
	Transform FileTransforms `json:"transform,omitempty"`
	// Map looks the rendered value up; values missing from it take Default.
	Map     map[string]FileScalar `json:"map,omitempty"`
	Default FileScalar            `json:"default,omitempty"`
	When    *FileCondition        `json:"when,omitempty"`
	SkipIf  *FileCondition        `json:"skip_if,omitempty"`
	Policy  Policy                `json:"policy,omitempty"`
}

// FilePath is an answer path: contact.… or company.…, or under signals: signal.….
type FilePath string

// FileScalar is a single value, written as a string, a number or a bool; Parse renders
// it as a CRM string.
type FileScalar string

// FileCondition is a path (true when its value is truthy) or {path, equals}.
type FileCondition struct {
	Path   FilePath   `json:"path" jsonschema:"required"`
	Equals FileScalar `json:"equals,omitempty"`
}

// Policies lists the policies a field may name, fill (the default) first.
func Policies() []string { return append([]string(nil), policies...) }

// MatchKeys lists the keys of match:, and CompanyMatchKeys those of a company mapping.
func MatchKeys() []string        { return append([]string(nil), matchKeys...) }
func CompanyMatchKeys() []string { return append([]string(nil), companyMatchKeys...) }

// TransformPattern is a regular expression that matches one transform as written:
// a known name, with an argument (name:arg) exactly when the transform takes one.
func TransformPattern() string {
	var plain, withArg []string
	for _, name := range transformNames() {
		if transforms[name].needsArg {
			withArg = append(withArg, regexp.QuoteMeta(name))
		} else {
			plain = append(plain, regexp.QuoteMeta(name))
		}
	}
	return "^(" + strings.Join(plain, "|") + ")$|^(" + strings.Join(withArg, "|") + "):.+$"
}

// PathPattern is a regular expression that every answer path matches (Parse checks
// the rest of the grammar and, with a schema, the path itself).
const PathPattern = `^(contact|company|signal)[.\[]`
