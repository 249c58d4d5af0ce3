package mapping

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestTransforms(t *testing.T) {
	tests := []struct {
		transform string
		in        any
		want      any // nil: no value
		wantErr   bool
	}{
		{"lower", "ÄBC", "äbc", false},
		{"lower", 12.0, "12", false},
		{"lower", map[string]any{"a": 1.0}, nil, true},
		{"upper", "gb", "GB", false},
		{"trim", "  a b  ", "a b", false},
		{"trim", "   ", nil, false},
		{"domain", "https://WWW.Lusha.com/x?y", "lusha.com", false},
		{"domain", "Daniel.T@Lusha.COM", "lusha.com", false},
		{"domain", "www.example.co.uk.", "example.co.uk", false},
		{"domain", "example.com:8443", "example.com", false},
		{"domain", "localhost", nil, false},
		{"domain", "not a domain", nil, false},
		{"domain", "-bad-.com", nil, false},
		{"e164", "(415) 555-0100", "+14155550100", false},
		{"e164", "+44 20 7946 0958", "+442079460958", false},
		{"e164", "12", nil, true},
		{"e164", "call me", nil, true},
		{"e164", "", nil, false},
		{"truncate:3", "héllo", "hél", false},
		{"truncate:10", "short", "short", false},
		{"join:|", []any{"a", 1.0, nil, true}, "a|1|true", false},
		{"join:,", []any{}, nil, false},
		{"join:,", "single", "single", false},
		{"join:,", []any{[]any{"x"}}, nil, true},
		{"date", "2026-04-23", "2026-04-23", false},
		{"date", "2026-04-23T10:00:00.123Z", "2026-04-23", false},
		{"date", "2026-04-23 10:00:00", "2026-04-23", false},
		{"date", "Nov 10, 2021", "2021-11-10", false},
		{"date", "23/04/2026", nil, true},
		{"date", 20260423.0, nil, true},
		{"number", "1,234", nil, true},
		{"number", " 0042 ", "42", false},
		{"number", "-0.500", "-0.5", false},
		{"number", "1e3", "1000", false},
		{"number", "NaN", nil, true},
		{"number", json.Number("12.50"), "12.5", false},
		{"number", 1e21, "1000000000000000000000", false},
		{"number", true, nil, true},
		{"first", []any{"a", "b"}, "a", false},
		{"first", []any{}, nil, false},
		{"first", "solo", "solo", false},
		{"lower", []any{"A", nil, "B"}, []any{"a", "b"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.transform+"/"+describe(tt.in), func(t *testing.T) {
			tr, err := parseTransform(tt.transform)
			if err != nil {
				t.Fatal(err)
			}
			got, err := tr.apply(tt.in, "US")
			if (err != nil) != tt.wantErr {
				t.Fatalf("%s(%#v) error = %v, want error %v", tt.transform, tt.in, err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s(%#v) mismatch (-want +got):\n%s", tt.transform, tt.in, diff)
			}
		})
	}
}

func TestParseTransformErrors(t *testing.T) {
	for _, text := range []string{"lowr", "truncate", "truncate:-1", "truncate:x", "join", "join:", "lower:x", "first:1", ""} {
		if _, err := parseTransform(text); err == nil {
			t.Errorf("parseTransform(%q) = nil error, want one", text)
		}
	}
}

func TestScalarString(t *testing.T) {
	tests := []struct {
		in     any
		want   string
		wantOK bool
	}{
		{"x", "x", true},
		{364.0, "364", true},
		{1.5, "1.5", true},
		{1e11, "100000000000", true},
		{0.000001, "0.000001", true},
		{-0.0, "0", true},
		{true, "true", true},
		{json.Number("1.0E2"), "100", true},
		{int64(-7), "-7", true},
		{nil, "", false},
		{[]any{}, "", false},
		{map[string]any{}, "", false},
	}
	for _, tt := range tests {
		got, ok := scalarString(tt.in)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("scalarString(%#v) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestTruthy(t *testing.T) {
	tests := []struct {
		in   any
		want bool
	}{
		{nil, false}, {false, false}, {true, true}, {"", false}, {"false", true},
		{0.0, false}, {2.0, true}, {[]any{}, false}, {[]any{1.0}, true},
		{map[string]any{}, false}, {map[string]any{"a": nil}, true},
	}
	for _, tt := range tests {
		if got := truthy(tt.in); got != tt.want {
			t.Errorf("truthy(%#v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
