package mapping

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const small = `object: contacts
match: { email: email }
fields:
  seniority: { from: contact.jobTitle.seniority, transform: trim, map: { Director: director }, default: other, when: contact.id, skip_if: { path: contact.fullName, equals: 1 }, policy: overwrite }
  source: { value: lusha }
`

func TestFields(t *testing.T) {
	m, err := Parse("small.yaml", []byte(small), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []Field{
		{Name: "seniority", Policy: PolicyOverwrite, Source: "contact.jobTitle.seniority", Transforms: []string{"trim"},
			Map: map[string]string{"Director": "director"}, Default: new("other"), When: "contact.id",
			SkipIf: "contact.fullName == 1", Line: 4, Col: 3},
		{Name: "source", Policy: PolicyFill, Value: "lusha", Line: 5, Col: 3},
	}
	got := m.Fields()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Fields mismatch (-want +got):\n%s", diff)
	}
	got[0].Map["Director"] = "changed" // a copy: the mapping must not change
	if m.Fields()[0].Map["Director"] != "director" {
		t.Error("Fields returned the mapping's own map")
	}
	if diff := cmp.Diff([]string{"seniority", "source"}, m.TargetFields()); diff != "" {
		t.Errorf("TargetFields mismatch:\n%s", diff)
	}
	if m.Object != "contacts" || m.DefaultRegion != "US" || m.File != "small.yaml" {
		t.Errorf("Object, DefaultRegion, File = %q, %q, %q", m.Object, m.DefaultRegion, m.File)
	}
}

func TestParseWithoutSchemaAcceptsAnyPath(t *testing.T) {
	src := strings.Replace(small, "contact.jobTitle.seniority", "contact.not.in.any.schema", 1)
	if _, err := Parse("x.yaml", []byte(src), Options{}); err != nil {
		t.Fatalf("without a schema: %v", err)
	}
	_, err := Parse("x.yaml", []byte(src), Options{Schema: testSchema(), Name: "mappings/x.yaml"})
	var errs Errors
	if !errors.As(err, &errs) || len(errs) != 1 || errs[0].File != "mappings/x.yaml" || errs[0].Line != 4 {
		t.Fatalf("with a schema: %v, want 1 error in mappings/x.yaml at line 4", err)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "m.yaml")
	if err := os.WriteFile(file, []byte(small), 0o600); err != nil {
		t.Fatal(err)
	}
	m, err := Load(file, Options{Schema: testSchema()})
	if err != nil || m.File != file {
		t.Fatalf("Load = %v, %v", m, err)
	}
	_, err = Load(filepath.Join(dir, "missing.yaml"), Options{})
	var errs Errors
	if err == nil || errors.As(err, &errs) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load(missing) = %v, want a plain not-exist error", err)
	}
}

func TestErrorFormat(t *testing.T) {
	errs := Errors{{File: "m.yaml", Line: 3, Col: 7, Msg: "bad"}, {File: "m.yaml", Line: 9, Msg: "YAML syntax: x"}}
	if got, want := errs.Error(), "m.yaml:3:7: bad\nm.yaml:9: YAML syntax: x"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestParseRejectsSecondDocument(t *testing.T) {
	_, err := Parse("m.yaml", []byte(small+"---\nobject: leads\n"), Options{})
	if err == nil || !strings.Contains(err.Error(), "m.yaml:6:1: a mapping file holds one YAML document") {
		t.Errorf("err = %v", err)
	}
}

// TestApplyDeterministic: Apply reads only its input; repeated calls agree.
func TestApplyDeterministic(t *testing.T) {
	m, err := Load("testdata/design_example/mapping.yaml", Options{Schema: testSchema()})
	if err != nil {
		t.Fatal(err)
	}
	in := Input{Current: map[string]string{}, Contact: map[string]any{"jobTitle": map[string]any{"title": "CTO", "seniority": "Director"}}}
	first := m.Apply(in)
	for range 20 {
		if diff := cmp.Diff(first, m.Apply(in)); diff != "" {
			t.Fatalf("Apply is not deterministic:\n%s", diff)
		}
	}
	if len(in.Current) != 0 {
		t.Error("Apply changed its input")
	}
}

// TestImports keeps mapping pure: no HTTP, no database, none of our packages but crm
// (and the error classes crm is built on).
func TestImports(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for dep := range strings.FieldsSeq(string(out)) {
		switch {
		case dep == "net/http", dep == "database/sql", strings.HasPrefix(dep, "net/http/"):
			t.Errorf("mapping depends on %s", dep)
		case strings.HasPrefix(dep, "github.com/leadsync/leadsync/") &&
			dep != "github.com/leadsync/leadsync/mapping" && dep != "github.com/leadsync/leadsync/crm" &&
			dep != "github.com/leadsync/leadsync/crm/upstream":
			t.Errorf("mapping depends on %s; it may import only crm of ours", dep)
		}
	}
}
