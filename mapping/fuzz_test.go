package mapping

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzParse: no input makes Parse (or a mapping it accepts) panic, and every error has
// a position. Seeds are the golden mapping files.
func FuzzParse(f *testing.F) {
	seeds, err := filepath.Glob(filepath.Join("testdata", "*", "mapping.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	schema := testSchema()
	contact := map[string]any{
		"firstName": "Ann", "jobTitle": map[string]any{"title": "CTO", "departments": []any{"Sales"}},
		"phones": []any{map[string]any{"number": "+14155550100", "type": "mobile", "doNotCall": false}},
	}
	company := map[string]any{"employeeCount": map[string]any{"min": 201.0}, "funding": []any{1.0, "x", nil}}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, opts := range []Options{{}, {Schema: schema}} {
			m, err := Parse("fuzz.yaml", data, opts)
			if err != nil {
				var errs Errors
				if !errors.As(err, &errs) || len(errs) == 0 {
					t.Fatalf("Parse error %v is not a non-empty Errors", err)
				}
				for _, e := range errs {
					if e.Line < 1 || e.File != "fuzz.yaml" {
						t.Fatalf("error without a position: %#v", e)
					}
				}
				continue
			}
			current := map[string]string{"email": "a@b.com"}
			m.Identity(current).Key()
			m.Needs(current, nil)
			res := m.Apply(Input{Current: current, Contact: contact, Company: company, Now: time.Unix(0, 0), RunID: "r"})
			if len(res.Decisions) != len(m.TargetFields()) {
				t.Fatalf("%d decisions for %d fields", len(res.Decisions), len(m.TargetFields()))
			}
		}
	})
}
