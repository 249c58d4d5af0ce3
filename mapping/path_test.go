package mapping

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParsePathRoundTrip(t *testing.T) {
	for _, text := range []string{
		"contact.firstName",
		"contact.phones[0].number",
		"contact.phones[type=mobile].number",
		"company.sicCodes[code=7371].description",
		"contact.emails[type=].email",         // empty value selects elements whose key is ""
		"contact.a[0][1].b-c_d",               // nested arrays, - and _ in names
		"company.x[key=a value with = and .]", // value runs to ]
	} {
		p, err := parsePath(text)
		if err != nil {
			t.Errorf("parsePath(%q): %v", text, err)
			continue
		}
		if got := p.String(); got != text {
			t.Errorf("parsePath(%q).String() = %q", text, got)
		}
	}
}

func TestParsePathErrors(t *testing.T) {
	for _, text := range []string{"", "contact", "person.x", "contact.", "contact..x", "contact.x[", "contact.x[a]",
		"contact.x[+1]", "contact.x[-1]", "contact.x[=v]", "contact.x[a b=v]", "contact.x y", "contact.x]"} {
		if _, err := parsePath(text); err == nil {
			t.Errorf("parsePath(%q) = nil error, want one", text)
		}
	}
}

func TestResolve(t *testing.T) {
	var doc any
	if err := json.Unmarshal([]byte(`{"a":{"b":"x","n":null},"arr":[{"k":"v1","x":1},{"k":2,"x":2}],"s":"str","nums":[10,20]}`), &doc); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path      string
		want      any
		wantFound bool
		wantErr   string
	}{
		{"contact.a.b", "x", true, ""},
		{"contact.a.n", nil, false, ""},
		{"contact.a.missing", nil, false, ""},
		{"contact.a.n.deeper", nil, false, ""},
		{"contact.arr[1].x", 2.0, true, ""},
		{"contact.arr[2].x", nil, false, ""},
		{"contact.arr[k=2].x", 2.0, true, ""},
		{"contact.arr[k=v1].x", 1.0, true, ""},
		{"contact.arr[k=V1].x", nil, false, ""}, // case-sensitive
		{"contact.nums[k=1]", nil, false, ""},   // selector skips non-objects
		{"contact.nums[1]", 20.0, true, ""},
		{"contact.s.x", nil, false, "contact.s is a string, not an object"},
		{"contact.a[0]", nil, false, "contact.a is an object, not an array"},
	}
	for _, tt := range tests {
		p, err := parsePath(tt.path)
		if err != nil {
			t.Fatal(err)
		}
		got, found, err := p.resolve(doc)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("resolve(%s) error = %v, want %q", tt.path, err, tt.wantErr)
			}
			continue
		}
		if err != nil || found != tt.wantFound || !cmp.Equal(got, tt.want) {
			t.Errorf("resolve(%s) = %#v, %v, %v; want %#v, %v", tt.path, got, found, err, tt.want, tt.wantFound)
		}
	}
}

type recursiveNode struct {
	Name     string           `json:"name"`
	Children []*recursiveNode `json:"children"`
	Parent   *recursiveNode   `json:"parent,omitempty"`
}

type embeddedBase struct {
	ID string `json:"id"`
}

type schemaProbe struct {
	embeddedBase
	Tree       *recursiveNode `json:"tree"`
	Plain      string
	Renamed    int             `json:"renamed,omitempty"`
	Skipped    string          `json:"-"`
	Quoted     struct{ A int } `json:"quoted,string"`
	When       time.Time       `json:"when"`
	Extra      map[string]any  `json:"extra"`
	Raw        json.RawMessage `json:"raw"`
	Any        any             `json:"any"`
	Bytes      []byte          `json:"bytes"`
	unexported string
}

func TestSchemaOf(t *testing.T) {
	s := SchemaOf(reflect.TypeFor[schemaProbe](), nil)
	valid := []string{
		"contact.id", "contact.Plain", "contact.renamed", "contact.quoted", "contact.when",
		"contact.extra.anything[3].goes", "contact.raw.x", "contact.any[k=v].y", "contact.bytes",
		"contact.tree.name", "contact.tree.children[0].children[name=x].parent.name",
	}
	for _, text := range valid {
		if _, err := s.check(mustPath(t, text)); err != nil {
			t.Errorf("check(%s): %v", text, err)
		}
	}
	invalid := []string{"contact.Skipped", "contact.unexported", "contact.embeddedBase", "contact.quoted.A",
		"contact.when.year", "contact.bytes[0]", "contact.Renamed", "company.id"}
	for _, text := range invalid {
		if _, err := s.check(mustPath(t, text)); err == nil {
			t.Errorf("check(%s) = nil error, want one", text)
		}
	}
}

func TestSchemaMerge(t *testing.T) {
	type a struct {
		Only  string            `json:"onlyA"`
		Both  struct{ X int }   `json:"both"`
		Clash string            `json:"clash"`
		List  []struct{ P int } `json:"list"`
	}
	type b struct {
		Only  string            `json:"onlyB"`
		Both  struct{ Y int }   `json:"both"`
		Clash struct{ Z int }   `json:"clash"`
		List  []struct{ Q int } `json:"list"`
	}
	s := SchemaOf(reflect.TypeFor[a](), nil).Merge(SchemaOf(nil, reflect.TypeFor[b]())).
		Merge(SchemaOf(reflect.TypeFor[b](), nil))
	for _, text := range []string{"contact.onlyA", "contact.onlyB", "contact.both.X", "contact.both.Y",
		"contact.clash.anything", "contact.list[0].P", "contact.list[0].Q", "company.onlyB"} {
		if _, err := s.check(mustPath(t, text)); err != nil {
			t.Errorf("check(%s): %v", text, err)
		}
	}
	if _, err := s.check(mustPath(t, "company.onlyA")); err == nil {
		t.Error("company.onlyA accepted, want an error")
	}
}

func TestSuggestions(t *testing.T) {
	s := testSchema()
	tests := []struct{ path, want string }{
		{"contact.jobtitle", "did you mean contact.jobTitle.title?"},
		{"company.employees.min", "did you mean company.employeeCount.min?"},
		{"contact.phones[type=mobile].numbr", "did you mean contact.phones[type=mobile].number?"},
		{"contact.seniority", "did you mean contact.jobTitle.seniority?"},
		{"contact.linkedin", "did you mean contact.socialLinks.linkedin?"},
		{"company.zzzzzzzz", "(company has: id, name, domain,"},
	}
	for _, tt := range tests {
		_, err := s.check(mustPath(t, tt.path))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("check(%s) = %v, want it to contain %q", tt.path, err, tt.want)
		}
	}
}

func mustPath(t *testing.T, text string) path {
	t.Helper()
	p, err := parsePath(text)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
