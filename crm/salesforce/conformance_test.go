package salesforce_test

import (
	"testing"
	"time"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/crmtest"
	"github.com/leadsync/leadsync/crm/salesforce/salesforcetest"
)

func TestConformance(t *testing.T) { crmtest.RunAdapterTests(t, harness{}) }

type harness struct{}

func (harness) New(t *testing.T) crmtest.Fixture {
	e := setup(t, salesforcetest.Options{})
	defineSeniority(e)
	return fixture{e}
}

// fixture acts on the fake org directly, as a Salesforce user would.
type fixture struct{ e *env }

func (f fixture) Adapter() crm.Adapter { return f.e.client }
func (f fixture) Object() string       { return "Lead" }

func (f fixture) Fields() crmtest.Fields {
	return crmtest.Fields{Identity: "Email", Text: "Title", Enum: "Seniority__c",
		Option: "VP", BadOption: "Chief Vibes Officer", ReadOnly: "Name"}
}

func (f fixture) Seed(t *testing.T, values map[string]string) string {
	t.Helper()
	id, err := f.e.fake.Add("Lead", values)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func (f fixture) Update(t *testing.T, id string, values map[string]string) {
	t.Helper()
	if err := f.e.fake.Update("Lead", id, values); err != nil {
		t.Fatal(err)
	}
}

func (f fixture) Value(t *testing.T, id, field string) string {
	t.Helper()
	rec := f.e.fake.Lead(id)
	if rec == nil {
		t.Fatalf("no lead %s", id)
	}
	return rec[field]
}

func (f fixture) Remove(t *testing.T, id string) {
	t.Helper()
	if err := f.e.fake.Delete("Lead", id); err != nil {
		t.Fatal(err)
	}
}

// Settle lets the current second pass: the adapter reads only whole seconds (its
// settle lag is 0 in these tests).
func (f fixture) Settle(*testing.T) { f.e.clock.Advance(time.Second) }
