package run

import (
	"slices"
	"testing"
	"time"

	"github.com/leadsync/leadsync/mapping"
	"github.com/leadsync/leadsync/state"
)

// TestSignalRunSees: a signal's run works with the mapping's writes for the
// signal's type and no company records, and takes a cached answer only when it
// was fetched after the signal arrived.
func TestSignalRunSees(t *testing.T) {
	m, err := mapping.Parse("m.yaml", []byte(`object: contacts
match: { email: email }
fields:
  jobtitle: { from: contact.jobTitle.title }
signals:
  companyChange:
    job_changed_on: { from: signal.signalDate }
`), mapping.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := &Pipeline{Name: "p", Mapping: m, Companies: &CompanyRecord{}}
	if forSignal(p, nil) != p {
		t.Error("a run without a signal does not use the pipeline as it is")
	}
	arrived := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	s := &Signal{ID: "sig", Type: "companyChange", At: arrived}
	q := forSignal(p, s)
	if q.Companies != nil || !slices.Equal(q.Mapping.TargetFields(), []string{"job_changed_on", "jobtitle"}) || p.Companies == nil {
		t.Errorf("signal pipeline: companies %v, fields %v (the pipeline's companies %v)", q.Companies,
			q.Mapping.TargetFields(), p.Companies)
	}
	rn := &run{opts: Options{Signal: s}}
	old, fresh := &state.Enrichment{FetchedAt: arrived.Add(-time.Second)}, &state.Enrichment{FetchedAt: arrived}
	if rn.fresh(old) != nil || rn.fresh(fresh) != fresh || (&run{}).fresh(old) != old {
		t.Error("fresh: an answer older than the signal must be bought again, and only in a signal's run")
	}
	if rn.signalID() != "sig" || (&run{}).signalID() != "" {
		t.Error("signalID")
	}
}
