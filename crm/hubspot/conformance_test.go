package hubspot_test

import (
	"testing"
	"time"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/crmtest"
	"github.com/leadsync/leadsync/crm/hubspot"
	"github.com/leadsync/leadsync/crm/hubspot/hubspottest"
)

func TestConformance(t *testing.T) {
	crmtest.RunAdapterTests(t, harness{})
}

// harness runs the suite against the fake with HubSpot's default limits, a search
// index that lags writes and the adapter's default overlap and settle lag.
type harness struct{}

const conformanceSearchLag = 3 * time.Second

func (harness) New(t *testing.T) crmtest.Fixture {
	clk := newClock()
	fake := hubspottest.NewServer(hubspottest.Options{Clock: clk.Now, SearchLag: conformanceSearchLag,
		SearchPerSecond: -1, BurstLimit: -1})
	e := setupHandler(t, fake, fake, clk, hubspot.WithSettleLag(hubspot.DefaultSettleLag))
	return &fixture{e: e}
}

type fixture struct{ e *env }

func (f *fixture) Adapter() crm.Adapter { return f.e.client }
func (f *fixture) Object() string       { return "contacts" }

func (f *fixture) Fields() crmtest.Fields {
	return crmtest.Fields{Identity: "email", Text: "jobtitle", Enum: "hs_lead_status",
		Option: "NEW", BadOption: "HOT", ReadOnly: "createdate"}
}

func (f *fixture) Seed(_ *testing.T, values map[string]string) string {
	return f.e.fake.AddContact(values)
}

func (f *fixture) Update(_ *testing.T, id string, values map[string]string) {
	f.e.fake.UpdateContact(id, values)
}

func (f *fixture) Value(t *testing.T, id, field string) string {
	c, ok := f.e.fake.Contact(id)
	if !ok {
		t.Fatalf("no contact %s", id)
	}
	return c[field]
}

func (f *fixture) Remove(_ *testing.T, id string) { f.e.fake.ArchiveContact(id) }

func (f *fixture) Settle(*testing.T) {
	f.e.clock.Advance(hubspot.DefaultSettleLag + conformanceSearchLag + time.Second)
}
