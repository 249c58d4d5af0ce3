package mapping

import (
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// jsonKeys lists the keys a File type's json tags name, in order.
func jsonKeys(t reflect.Type) []string {
	var keys []string
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		keys = append(keys, name)
	}
	return keys
}

// TestFileShapeMatchesParser keeps File (from which the mapping JSON Schema is
// generated) in step with the keys the parser reads.
func TestFileShapeMatchesParser(t *testing.T) {
	for _, c := range []struct {
		typ  reflect.Type
		want []string
	}{
		{reflect.TypeFor[File](), topKeys},
		{reflect.TypeFor[FileField](), fieldKeys},
		{reflect.TypeFor[FileMatch](), matchKeys},
		{reflect.TypeFor[FileMatchRule](), matchRuleKeys},
		{reflect.TypeFor[FileCondition](), conditionKeys},
	} {
		got := jsonKeys(c.typ)
		if !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(c.want))) {
			t.Errorf("%s keys %v, the parser reads %v", c.typ.Name(), got, c.want)
		}
	}
}

func TestTransformPattern(t *testing.T) {
	re := regexp.MustCompile(TransformPattern())
	for _, s := range []string{"lower", "e164", "first", "truncate:80", "join:; "} {
		if _, err := parseTransform(s); err != nil || !re.MatchString(s) {
			t.Errorf("%q: parse error %v, pattern match %v", s, err, re.MatchString(s))
		}
	}
	for _, s := range []string{"titlecase", "truncate", "join:", "lower:x", "xlower", "first2"} {
		if re.MatchString(s) {
			t.Errorf("pattern matches %q", s)
		}
		if _, err := parseTransform(s); err == nil {
			t.Errorf("parser accepts %q", s)
		}
	}
}
