package bench

import (
	"fmt"
	"maps"
	"net/http"
	"strings"
	"time"

	_ "embed"

	"github.com/leadsync/leadsync/crm/hubspot/hubspottest"
)

// hubspotMapping is the sandbox's contacts mapping plus `phone` from any phone number,
// so that most matched people need a phone reveal (the costly Lusha call) and a
// company answer (one per company).
//
//go:embed mapping.yaml
var hubspotMapping []byte

// DocumentedLimits are the HubSpot and Lusha limits DESIGN §8 and the API references
// state: the HubSpot sync's limits-on run.
var DocumentedLimits = Limits{HubSpotSearchPerSecond: 5, HubSpotCallsPer10s: 100, LushaPerSecond: 25}

var hubspotSpec = crmSpec{
	name: "hubspot", label: "HubSpot",
	documented: DocumentedLimits,
	client:     DefaultClientLimits,
	fields: fieldNames{FirstName: "firstname", LastName: "lastname", Company: "company", Website: "website",
		Email: "email", Title: "jobtitle", Mobile: "mobilephone", Phone: "phone", City: "city", Industry: "industry"},
	mapping:  hubspotMapping,
	newFake:  newHubSpotFake,
	config:   hubspotConfig,
	kind:     hubspotKind,
	rule:     status429,
	stages:   hubspotStages,
	daily:    func(int, Limits, Traffic) *DailyQuota { return nil }, // the daily limit is off: see hubspotOptions
	describe: describeHubSpot,
}

// Custom contact properties the benchmark's mapping writes.
var customProperties = []hubspottest.Property{
	{Name: "lusha_enriched_at", Label: "Lusha enriched at", Type: "datetime", FieldType: "date", GroupName: "contactinformation"},
	{Name: "seniority_level", Label: "Seniority level", Type: "enumeration", FieldType: "select", GroupName: "contactinformation",
		Options: []hubspottest.Option{{Label: "executive", Value: "executive"}, {Label: "vp", Value: "vp"},
			{Label: "director", Value: "director"}, {Label: "manager", Value: "manager"}, {Label: "senior", Value: "senior"},
			{Label: "entry", Value: "entry"}, {Label: "other", Value: "other"}}},
}

// hubspotFake is the fake HubSpot portal.
type hubspotFake struct{ *hubspottest.Server }

func newHubSpotFake(_ int64, lim Limits) crmFake {
	f := hubspotFake{hubspottest.NewServer(lim.hubspotOptions())}
	for _, p := range customProperties {
		f.DefineProperty(p)
	}
	return f
}

func (f hubspotFake) add(fields map[string]string) string        { return f.AddContact(fields) }
func (f hubspotFake) update(id string, fields map[string]string) { f.UpdateContact(id, fields) }
func (f hubspotFake) records() map[string]map[string]string      { return f.Contacts() }
func (f hubspotFake) environ() []string                          { return []string{envHubSpotToken + "=" + f.Token()} }
func (f hubspotFake) close()                                     { _ = f.Close() } // never started: nothing to stop

func (l Limits) hubspotOptions() hubspottest.Options {
	// The daily limit is not what this benchmark measures: off.
	return hubspottest.Options{SearchPerSecond: offIfZero(l.HubSpotSearchPerSecond),
		BurstLimit: offIfZero(l.HubSpotCallsPer10s), DailyLimit: -1}
}

// offIfZero turns "no limit" into the fakes' negative off switch.
func offIfZero(v int) int {
	if v == 0 {
		return -1
	}
	return v
}

const envHubSpotToken = "BENCH_HUBSPOT_TOKEN"

func hubspotConfig(url string, c ClientLimits) string {
	return fmt.Sprintf(`crms:
  hubspot:
    kind: hubspot
    token: ${env:`+envHubSpotToken+`}
    base_url: %s
    settle_lag: 0s
    limits: { search_per_second: %g, calls_per_10s: %d }
pipelines:
  - name: `+pipelineName+`
    crm: hubspot
    object: contacts
    filter: { missing: [lusha_enriched_at] }
    mapping: mapping.yaml
    cache_ttl: 720h
`, url, c.HubSpotSearchPerSecond, c.HubSpotCallsPer10s)
}

func describeHubSpot(lim Limits, client ClientLimits) string {
	return fmt.Sprintf("fakes: HubSpot search %d/s, other %d/10s, Lusha %d/s; leadsync paced at %g/s, %d/10s, %g/s",
		lim.HubSpotSearchPerSecond, lim.HubSpotCallsPer10s, lim.LushaPerSecond,
		client.HubSpotSearchPerSecond, client.HubSpotCallsPer10s, client.LushaPerSecond)
}

// HubSpot call kinds, one per limit they count against.
const (
	kindHubSpotSearch = "hubspot_search"
	kindHubSpotOther  = "hubspot_other" // batch updates, property reads: the 10-second window
	kindHubSpotWrite  = "hubspot_batch_update"
)

func hubspotKind(r *http.Request) string {
	switch {
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/search"):
		return kindHubSpotSearch
	case strings.HasSuffix(r.URL.Path, "/batch/update"):
		return kindHubSpotWrite
	}
	return kindHubSpotOther
}

// hubspotStages: searches count against their own per-second limit, every other call
// against the rolling 10-second window.
func hubspotStages(leads int, client ClientLimits, fake Limits, hub Traffic, elapsed time.Duration) []Stage {
	search := map[string]int{kindHubSpotSearch: hub.Calls[kindHubSpotSearch]}
	other := maps.Clone(hub.Calls)
	delete(other, kindHubSpotSearch)
	stages := []Stage{
		newStage("HubSpot search", max(client.HubSpotSearchPerSecond, 0), fmt.Sprintf("%g/s", client.HubSpotSearchPerSecond),
			search, leads, elapsed),
		newStage("HubSpot other calls", client.otherCallsPerSecond(),
			fmt.Sprintf("%g/s (%d/10s paced)", client.otherCallsPerSecond(), client.HubSpotCallsPer10s), other, leads, elapsed),
	}
	stages[0].FakeLimit = fmt.Sprintf("%d/s", fake.HubSpotSearchPerSecond)
	stages[1].FakeLimit = fmt.Sprintf("%d/10s", fake.HubSpotCallsPer10s)
	return stages
}
