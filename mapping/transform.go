package mapping

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
)

// transform is one compiled step of a field's transform chain. apply returns the new
// value, nil for "no value", or an error whose text becomes the invalid decision's reason.
type transform struct {
	text  string // as written, e.g. "truncate:80"
	apply func(v any, region string) (any, error)
	// collapses says the step turns an array into a single value (join, first).
	collapses bool
}

type transformSpec struct {
	needsArg bool
	argHelp  string
	build    func(arg string) (transform, error)
}

var transforms = map[string]transformSpec{
	"lower":    {build: fixed(eachScalar(func(s, _ string) (any, error) { return strings.ToLower(s), nil }))},
	"upper":    {build: fixed(eachScalar(func(s, _ string) (any, error) { return strings.ToUpper(s), nil }))},
	"trim":     {build: fixed(eachScalar(trimValue))},
	"domain":   {build: fixed(eachScalar(func(s, _ string) (any, error) { return nilIfEmpty(bareDomain(s)), nil }))},
	"e164":     {build: fixed(eachScalar(e164))},
	"date":     {build: fixed(eachScalar(isoDate))},
	"number":   {build: fixed(eachScalar(number))},
	"truncate": {needsArg: true, argHelp: "truncate:N with N > 0", build: buildTruncate},
	"join":     {needsArg: true, argHelp: "join:SEP, e.g. \"join:, \"", build: buildJoin},
	"first":    {build: func(string) (transform, error) { return transform{apply: first, collapses: true}, nil }},
}

func transformNames() []string {
	names := make([]string, 0, len(transforms))
	for n := range transforms {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// parseTransform compiles "name" or "name:arg".
func parseTransform(text string) (transform, error) {
	name, arg, hasArg := strings.Cut(text, ":")
	spec, ok := transforms[name]
	if !ok {
		return transform{}, fmt.Errorf("unknown transform %q%s (known: %s)", name,
			didYouMean(name, transformNames()), strings.Join(transformNames(), ", "))
	}
	if spec.needsArg && (!hasArg || arg == "") {
		return transform{}, fmt.Errorf("transform %s needs an argument: %s", name, spec.argHelp)
	}
	if !spec.needsArg && hasArg {
		return transform{}, fmt.Errorf("transform %s takes no argument", name)
	}
	t, err := spec.build(arg)
	t.text = text
	return t, err
}

func fixed(apply func(any, string) (any, error)) func(string) (transform, error) {
	return func(string) (transform, error) { return transform{apply: apply}, nil }
}

// eachScalar lifts a string function to decoded JSON: scalars are rendered first, arrays
// are mapped element by element (elements without a value are dropped).
func eachScalar(fn func(s, region string) (any, error)) func(any, string) (any, error) {
	var apply func(any, string) (any, error)
	apply = func(v any, region string) (any, error) {
		if arr, ok := v.([]any); ok {
			out := make([]any, 0, len(arr))
			for _, el := range arr {
				r, err := apply(el, region)
				if err != nil {
					return nil, err
				}
				if r != nil {
					out = append(out, r)
				}
			}
			return out, nil
		}
		if v == nil {
			return nil, nil
		}
		s, ok := scalarString(v)
		if !ok {
			return nil, fmt.Errorf("needs a single value, got %s", describe(v))
		}
		return fn(s, region)
	}
	return apply
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func trimValue(s, _ string) (any, error) { return nilIfEmpty(strings.TrimSpace(s)), nil }

// bareDomain reduces a URL, email address or host name to its lowercase domain without
// "www.", port or trailing dot; "" when the input holds no plausible domain.
func bareDomain(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if at := strings.LastIndexByte(s, '@'); at >= 0 && !strings.Contains(s, "://") {
		s = s[at+1:]
	} else {
		if !strings.Contains(s, "://") {
			s = "http://" + s
		}
		u, err := url.Parse(s)
		if err != nil {
			return ""
		}
		s = u.Hostname()
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "www."), ".")
	if !isDomain(s) {
		return ""
	}
	return s
}

func isDomain(s string) bool {
	labels := strings.Split(s, ".")
	if len(labels) < 2 || len(s) > 253 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := range len(l) {
			c := l[i]
			if !(c == '-' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z') {
				return false
			}
		}
	}
	return true
}

func e164(s, region string) (any, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	num, err := phonenumbers.Parse(s, region)
	if err != nil {
		return nil, errors.New("not a phone number")
	}
	if !phonenumbers.IsValidNumber(num) {
		return nil, fmt.Errorf("not a valid phone number (default region %s)", region)
	}
	return phonenumbers.Format(num, phonenumbers.E164), nil
}

// dateLayouts are tried in order; the zone-less ones are read as UTC.
var dateLayouts = []string{time.RFC3339Nano, "2006-01-02", "2006-01-02T15:04:05", "2006-01-02 15:04:05", "Jan 2, 2006", "January 2, 2006"}

func isoDate(s, _ string) (any, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC().Format(time.DateOnly), nil
		}
	}
	return nil, errors.New("not a date or date-time")
}

func number(s, _ string) (any, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	if n, ok := canonicalNumber(s); ok {
		return n, nil
	}
	return nil, errors.New("not a decimal number")
}

func buildTruncate(arg string) (transform, error) {
	n, err := strconv.Atoi(arg)
	if err != nil || n <= 0 {
		return transform{}, fmt.Errorf("transform truncate: %q is not a positive length", arg)
	}
	return transform{apply: eachScalar(func(s, _ string) (any, error) {
		if utf8.RuneCountInString(s) <= n {
			return s, nil
		}
		return string([]rune(s)[:n]), nil
	})}, nil
}

func buildJoin(sep string) (transform, error) {
	return transform{collapses: true, apply: func(v any, _ string) (any, error) {
		arr, ok := v.([]any)
		if !ok {
			if s, ok := scalarString(v); ok {
				return nilIfEmpty(s), nil
			}
			if v == nil {
				return nil, nil
			}
			return nil, fmt.Errorf("needs an array, got %s", describe(v))
		}
		parts := make([]string, 0, len(arr))
		for _, el := range arr {
			if el == nil {
				continue
			}
			s, ok := scalarString(el)
			if !ok {
				return nil, fmt.Errorf("needs an array of single values, got an element that is %s", describe(el))
			}
			parts = append(parts, s)
		}
		return nilIfEmpty(strings.Join(parts, sep)), nil
	}}, nil
}

func first(v any, _ string) (any, error) {
	if arr, ok := v.([]any); ok {
		if len(arr) == 0 {
			return nil, nil
		}
		return arr[0], nil
	}
	return v, nil
}
