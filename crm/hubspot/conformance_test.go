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
	t.Run("contacts", func(t *testing.T) { crmtest.RunAdapterTests(t, harness{contacts}) })
	t.Run("companies", func(t *testing.T) { crmtest.RunAdapterTests(t, harness{companies}) })
}

// object is what the suite reads and writes: its name and the fields it may use.
type object struct {
	name   string
	fields crmtest.Fields
}

var (
	contacts = object{"contacts", crmtest.Fields{Identity: "email", Text: "jobtitle", Enum: "hs_lead_status",
		Option: "NEW", BadOption: "HOT", ReadOnly: "createdate"}}
	// Companies' industry takes internal values; the docs' own "Technology" is
	// refused (reference §5.1).
	companies = object{"companies", crmtest.Fields{Identity: "domain", Text: "description", Enum: "industry",
		Option: "COMPUTER_SOFTWARE", BadOption: "Technology", ReadOnly: "hs_lastmodifieddate"}}
)

// harness runs the suite against the fake with HubSpot's default limits, a search
// index that lags writes and the adapter's default overlap and settle lag.
type harness struct{ object object }

const conformanceSearchLag = 3 * time.Second

func (h harness) New(t *testing.T) crmtest.Fixture {
	clk := newClock()
	fake := hubspottest.NewServer(hubspottest.Options{Clock: clk.Now, SearchLag: conformanceSearchLag,
		SearchPerSecond: -1, BurstLimit: -1})
	e := setupHandler(t, fake, fake, clk, hubspot.WithSettleLag(hubspot.DefaultSettleLag))
	return &fixture{e: e, object: h.object}
}

type fixture struct {
	e      *env
	object object
}

func (f *fixture) Adapter() crm.Adapter   { return f.e.client }
func (f *fixture) Object() string         { return f.object.name }
func (f *fixture) Fields() crmtest.Fields { return f.object.fields }

func (f *fixture) Seed(_ *testing.T, values map[string]string) string {
	return f.e.fake.Add(f.object.name, values)
}

func (f *fixture) Update(_ *testing.T, id string, values map[string]string) {
	f.e.fake.Update(f.object.name, id, values)
}

func (f *fixture) Value(t *testing.T, id, field string) string {
	c, ok := f.e.fake.Get(f.object.name, id)
	if !ok {
		t.Fatalf("no %s %s", f.object.name, id)
	}
	return c[field]
}

func (f *fixture) Remove(_ *testing.T, id string) { f.e.fake.Archive(f.object.name, id) }

func (f *fixture) Settle(*testing.T) {
	f.e.clock.Advance(hubspot.DefaultSettleLag + conformanceSearchLag + time.Second)
}
