package mapping

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the expected files of testdata/* from the current output")

// goldenInput is input.json of a golden case.
type goldenInput struct {
	Current map[string]string `json:"current"`
	Owned   map[string]string `json:"owned"`
	Contact any               `json:"contact"`
	Company any               `json:"company"`
	Now     time.Time         `json:"now"`
	RunID   string            `json:"run_id"`
}

// goldenOutput is expected.json: everything the connector asks of a mapping.
type goldenOutput struct {
	MatchFields  []string          `json:"match_fields"`
	TargetFields []string          `json:"target_fields"`
	Identity     Identity          `json:"identity"`
	IdentityKey  string            `json:"identity_key"`
	CompanyKey   string            `json:"company_key,omitempty"`
	Needs        Needs             `json:"needs"`
	Patch        map[string]string `json:"patch"`
	Decisions    []Decision        `json:"decisions"`
}

// TestGolden runs every testdata/<case>: mapping.yaml is loaded against the Lusha test
// schema; a case with expected.err must fail to load with exactly that text, any other
// applies input.json and compares with expected.json.
func TestGolden(t *testing.T) {
	cases, err := os.ReadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		if !c.IsDir() {
			continue
		}
		t.Run(c.Name(), func(t *testing.T) {
			dir := filepath.Join("testdata", c.Name())
			m, err := Load(filepath.Join(dir, "mapping.yaml"), Options{Schema: testSchema()})
			_, statErr := os.Stat(filepath.Join(dir, "expected.err"))
			if statErr == nil || *update && err != nil { // -update records a new failing case
				checkGoldenErr(t, dir, err)
				return
			}
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			checkGoldenApply(t, dir, m)
		})
	}
}

func checkGoldenErr(t *testing.T, dir string, err error) {
	t.Helper()
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("Load error = %v, want Errors", err)
	}
	compareGolden(t, filepath.Join(dir, "expected.err"), []byte(errs.Error()+"\n"))
}

func checkGoldenApply(t *testing.T, dir string, m *Mapping) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "input.json"))
	if err != nil {
		t.Fatal(err)
	}
	var in goldenInput
	if err := json.Unmarshal(raw, &in); err != nil {
		t.Fatalf("input.json: %v", err)
	}
	res := m.Apply(Input{Current: in.Current, Owned: in.Owned, Contact: in.Contact, Company: in.Company, Now: in.Now, RunID: in.RunID})
	id := m.Identity(in.Current)
	got := goldenOutput{
		MatchFields: m.MatchFields(), TargetFields: m.TargetFields(),
		Identity: id, IdentityKey: id.Key(),
		Needs: m.Needs(in.Current, in.Owned),
		Patch: res.Patch, Decisions: res.Decisions,
	}
	if m.ForCompanies() {
		got.CompanyKey = m.CompanyIdentity(in.Current).Key()
	}
	out, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	compareGolden(t, filepath.Join(dir, "expected.json"), append(out, '\n'))
}

func compareGolden(t *testing.T, file string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", file, diff)
	}
}
