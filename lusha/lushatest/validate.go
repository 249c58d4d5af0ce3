package lushatest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/leadsync/leadsync/lusha"
)

// maxRequestBytes bounds a request body; 100 search items are a few KiB.
const maxRequestBytes = 1 << 20

// decode reads a JSON body strictly, as Lusha's NestJS whitelist pipe does:
// unknown properties and wrong types are 400s. It answers the 400 itself.
func (s *Server) decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxRequestBytes))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.More() {
		err = errors.New("trailing data after the JSON body")
	}
	if err != nil {
		s.writeError(w, []string{decodeProblem(err)}, http.StatusBadRequest, "")
		return false
	}
	return true
}

func decodeProblem(err error) string {
	var typeErr *json.UnmarshalTypeError
	var maxErr *http.MaxBytesError
	switch {
	case errors.As(err, &typeErr):
		return fmt.Sprintf("%s must be a %s", typeErr.Field, jsonTypeName(typeErr.Type.Kind().String()))
	case errors.As(err, &maxErr):
		return "request body is too large"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return "property " + field + " should not exist"
	case errors.Is(err, io.EOF):
		return "request body must be a JSON object"
	default:
		return "request body is not valid JSON"
	}
}

func jsonTypeName(kind string) string {
	switch kind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "slice", "array":
		return "array"
	case "struct", "map", "ptr":
		return "object"
	default:
		return "number"
	}
}

// problems collects validation messages in class-validator's wording.
type problems []string

func (p *problems) add(format string, args ...any) { *p = append(*p, fmt.Sprintf(format, args...)) }

func (p *problems) batchSize(name string, n int) {
	switch {
	case n < 1:
		p.add("%s must contain at least 1 elements", name)
	case n > lusha.MaxBatch:
		p.add("%s must contain no more than %d elements", name, lusha.MaxBatch)
	}
}

func (p *problems) oneOf(name string, values, allowed []string) {
	for _, v := range values {
		if !slices.Contains(allowed, v) {
			p.add("each value in %s must be one of the following values: %s", name, strings.Join(allowed, ", "))
			return
		}
	}
}

func (p *problems) ids(name string, ids []string) {
	p.batchSize(name, len(ids))
	for i, id := range ids {
		if strings.TrimSpace(id) == "" {
			p.add("%s.%d should not be empty", name, i)
		}
	}
}

func (p *problems) contactItems(items []lusha.ContactSearchItem) {
	p.batchSize("contacts", len(items))
	for i, it := range items {
		if it.Email != "" && !looksLikeEmail(it.Email) {
			p.add("contacts.%d.email must be an email", i)
		}
		byName := it.FirstName != "" && it.LastName != "" && (it.CompanyName != "" || it.CompanyDomain != "")
		if it.ID == "" && it.LinkedinURL == "" && it.Email == "" && !byName {
			p.add("contacts.%d must include id, linkedinUrl, email, or firstName and lastName with companyName or companyDomain", i)
		}
	}
}

func (p *problems) companyItems(items []lusha.CompanySearchItem) {
	p.batchSize("companies", len(items))
	for i, it := range items {
		if it.ID == "" && it.Name == "" && it.Domain == "" {
			p.add("companies.%d must include id, name or domain", i)
		}
	}
}

var contactSignalTypes = []string{"allSignals", "promotion", "companyChange"}

// signals checks a signals filter; the fake world has no signals, so a valid
// filter is accepted and does not narrow the results.
func (p *problems) signals(f *lusha.SignalsFilter, allowed []string) {
	if f == nil {
		return
	}
	if len(f.Types) == 0 {
		p.add("signals.types should not be empty")
	}
	if allowed != nil {
		p.oneOf("signals.types", f.Types, allowed)
	}
	if f.MaxResultsPerSignal != 0 && (f.MaxResultsPerSignal < 1 || f.MaxResultsPerSignal > 100) {
		p.add("signals.maxResultsPerSignal must not be greater than 100")
	}
}

func looksLikeEmail(s string) bool {
	at := strings.IndexByte(s, '@')
	return at > 0 && at == strings.LastIndexByte(s, '@') && at < len(s)-1 &&
		strings.Contains(s[at:], ".") && !strings.ContainsAny(s, " \t\r\n")
}

// reject answers 400 when any problem was found.
func (s *Server) reject(w http.ResponseWriter, p problems) bool {
	if len(p) == 0 {
		return false
	}
	s.writeError(w, p, http.StatusBadRequest, "")
	return true
}

func (p *problems) size(name string, n, lo, hi int) {
	switch {
	case n < lo:
		p.add("%s must contain at least %d elements", name, lo)
	case n > hi:
		p.add("%s must contain no more than %d elements", name, hi)
	}
}

// enum checks an optional value against its allowed set.
func (p *problems) enum(name, value string, allowed []string) {
	if value != "" && !slices.Contains(allowed, value) {
		p.add("%s must be one of the following values: %s", name, strings.Join(allowed, ", "))
	}
}

func (p *problems) maxLen(name, value string, n int) {
	if len([]rune(value)) > n {
		p.add("%s must be shorter than or equal to %d characters", name, n)
	}
}

func (p *problems) between(name string, v, lo, hi int) {
	if v < lo || v > hi {
		p.add("%s must not be less than %d and not greater than %d", name, lo, hi)
	}
}

// optionalBetween checks a number whose zero value means "not sent".
func (p *problems) optionalBetween(name string, v, lo, hi int) {
	if v != 0 {
		p.between(name, v, lo, hi)
	}
}

// queryInt reads an optional integer query parameter within [lo, hi].
func (p *problems) queryInt(r *http.Request, name string, def, lo, hi int) int {
	raw := r.URL.Query().Get(name)
	if raw == "" {
		return def
	}
	v, err := strconv.Atoi(raw)
	if err != nil {
		p.add("%s must be an integer number", name)
		return def
	}
	p.between(name, v, lo, hi)
	return v
}

// date reads an optional YYYY-MM-DD value.
func (p *problems) date(name, value string) (time.Time, bool) {
	if value == "" {
		return time.Time{}, false
	}
	t, err := time.Parse(time.DateOnly, value)
	if err != nil {
		p.add("%s must be a valid ISO 8601 date string", name)
		return time.Time{}, false
	}
	return t, true
}
