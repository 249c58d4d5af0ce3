package mapping

import (
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/leadsync/leadsync/crm"
)

const withSignals = `object: contacts
match: { email: email }
fields:
  jobtitle: { from: contact.title, policy: overwrite_if_owned }
  company: { from: contact.companyName }
signals:
  companyChange:
    job_changed_on: { from: signal.signalDate, transform: date, policy: overwrite }
    previous_company: { from: signal.previousCompanyName, policy: overwrite }
    company: { from: signal.currentCompanyName, policy: overwrite }
  promotion:
    promoted: { value: "yes" }
`

type testSignalData struct {
	SignalDate          string `json:"signalDate"`
	PreviousCompanyName string `json:"previousCompanyName"`
	CurrentCompanyName  string `json:"currentCompanyName"`
}

// TestApplySignal: a signal's writes join the mapping's fields under their own
// policies, replace a field of the same name, and read the signal's data.
func TestApplySignal(t *testing.T) {
	m, err := Parse("s.yaml", []byte(withSignals), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"companyChange", "promotion"}, m.SignalTypes()); diff != "" {
		t.Errorf("SignalTypes (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"company", "job_changed_on", "jobtitle", "previous_company"},
		m.ForSignal("companyChange").TargetFields()); diff != "" {
		t.Errorf("ForSignal's TargetFields (-want +got):\n%s", diff)
	}
	in := Input{
		Current: map[string]string{"jobtitle": "Typed By Hand", "company": "Old Co", "job_changed_on": "2020-01-01"},
		Owned:   map[string]string{},
		Contact: map[string]any{"title": "CTO", "companyName": "New Co"},
		Signal:  map[string]any{"signalDate": "2026-11-30T10:00:00Z", "previousCompanyName": "Old Co", "currentCompanyName": "New Co"},
	}
	res := m.ApplySignal("companyChange", in)
	want := map[string]string{"company": "New Co", "job_changed_on": "2026-11-30", "previous_company": "Old Co"}
	if diff := cmp.Diff(want, res.Patch); diff != "" {
		t.Errorf("patch (-want +got):\n%s", diff)
	}
	if d := res.Decisions[2]; d.Field != "jobtitle" || d.Action != ActionKeepNotOurs {
		t.Errorf("jobtitle decision = %+v, want keep_not_ours", d)
	}
	// Without the signal, fill keeps company and the signal fields are not mapped.
	if diff := cmp.Diff(map[string]string{}, m.Apply(in).Patch); diff != "" {
		t.Errorf("Apply patch (-want +got):\n%s", diff)
	}
	if m.ForSignal("unknown") != m {
		t.Error("ForSignal of a type without writes is not the mapping itself")
	}
	if got := m.ApplySignal("promotion", in).Patch; got["promoted"] != "yes" || len(got) != 1 {
		t.Errorf("promotion patch = %v", got)
	}
}

func TestSignalErrors(t *testing.T) {
	schema := SchemaOf(reflect.TypeFor[map[string]any](), nil).Merge(SignalSchemaOf(reflect.TypeFor[testSignalData]()))
	src := `object: contacts
match: { email: email }
fields:
  a: { from: signal.signalDate }
signals:
  jobChange:
    b: { value: x }
  companyChange:
    c: { from: signal.previousCompany }
    d: { from: signal.signalDate, polcy: fill }
`
	_, err := Parse("e.yaml", []byte(src), Options{Schema: &schema})
	want := []string{
		`e.yaml:4:14: path signal.signalDate: signal. paths are read only in the writes of signals:`,
		`e.yaml:6:3: signals: "jobChange" is no signal a person's record acts on (known: companyChange, promotion)`,
		`e.yaml:9:16: unknown path signal.previousCompany, did you mean signal.previousCompanyName?`,
		`e.yaml:10:35: unknown key "polcy" in field d, did you mean policy?`,
	}
	for _, w := range want {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("errors %v\nlack %s", err, w)
		}
	}
}

func TestCheckCRMSignalFields(t *testing.T) {
	m, err := Parse("s.yaml", []byte(withSignals), Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := crm.Schema{Object: "contacts", Fields: map[string]crm.FieldSchema{
		"email": {}, "jobtitle": {}, "company": {}, "job_changed_on": {Type: "date"}, "promoted": {ReadOnly: true},
	}}
	err = m.CheckCRM(s)
	for _, w := range []string{
		"s.yaml:9:5: signals.companyChange: contacts has no field previous_company",
		"s.yaml:12:5: signals.promotion: field promoted is read-only in contacts",
	} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("CheckCRM: %v\nlacks %s", err, w)
		}
	}
}

// TestCompanySignals: a company mapping's signals: name any signal type, and
// their signal. paths are not checked against the person signals' shape.
func TestCompanySignals(t *testing.T) {
	schema := SchemaOf(nil, reflect.TypeFor[map[string]any]()).Merge(SignalSchemaOf(reflect.TypeFor[testSignalData]()))
	m, err := Parse("c.yaml", []byte(`object: companies
match: { companyDomain: domain }
fields:
  industry: { from: company.industry }
signals:
  headcountIncrease3m:
    headcount_change: { from: signal.changeRatePercent, policy: overwrite }
`), Options{Schema: &schema})
	if err != nil {
		t.Fatal(err)
	}
	res := m.ApplySignal("headcountIncrease3m", Input{Company: map[string]any{"industry": "Retail"},
		Signal: map[string]any{"changeRatePercent": 10.0}})
	if diff := cmp.Diff(map[string]string{"industry": "Retail", "headcount_change": "10"}, res.Patch); diff != "" {
		t.Errorf("patch (-want +got):\n%s", diff)
	}
}
