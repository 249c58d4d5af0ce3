package bench

import (
	"fmt"
	"net/http"
	"slices"
	"time"
)

// crmFake is one CRM's fake as the benchmark drives it: seeded with the world's people,
// served on loopback by the parent, read back after the sync.
type crmFake interface {
	http.Handler
	// add creates a record holding fields (API names) and returns its id.
	add(fields map[string]string) string
	// update changes a record as a user would (tests).
	update(id string, fields map[string]string)
	// records returns the current values of every record by id.
	records() map[string]map[string]string
	// environ is what the child's config needs to resolve the fake's credentials.
	environ() []string
	close()
}

// fieldNames are the API names of the fields the benchmark seeds and reads back.
type fieldNames struct {
	FirstName, LastName, Company, Website, Email string
	Title, Mobile, Phone, City, Industry         string
}

// crmSpec is everything the benchmark does differently for one CRM.
type crmSpec struct {
	name, label string
	// documented are the limits its fake enforces in the limits-on sync, client the
	// pacing the benchmark writes into leadsync's config for it.
	documented Limits
	client     ClientLimits
	fields     fieldNames
	mapping    []byte
	// settle: the CRM's reads leave out the current second, so the seeded records are
	// only visible once it is over.
	settle bool

	newFake func(seed int64, lim Limits) crmFake
	// config is the crms entry and the pipeline of the benchmark's config.
	config func(url string, client ClientLimits) string
	kind   func(*http.Request) string
	rule   limitRule
	// stages are the rate limits of the CRM's calls; daily its per-day allocation.
	stages func(leads int, client ClientLimits, fake Limits, t Traffic, elapsed time.Duration) []Stage
	daily  func(leads int, fake Limits, t Traffic) *DailyQuota
	// describe says which limits a limits-on sync runs under, for the progress lines.
	describe func(fake Limits, client ClientLimits) string
}

// pipelineName is the one pipeline of every benchmark config.
const pipelineName = "bench-leads"

var crmSpecs = []*crmSpec{&hubspotSpec, &salesforceSpec}

func specOf(name string) (*crmSpec, error) {
	i := slices.IndexFunc(crmSpecs, func(s *crmSpec) bool { return s.name == name })
	if i < 0 {
		return nil, fmt.Errorf("bench: unknown CRM %q (hubspot or salesforce)", name)
	}
	return crmSpecs[i], nil
}

// crmLabel names a CRM as people write it.
func crmLabel(name string) string {
	if s, err := specOf(name); err == nil {
		return s.label
	}
	return name
}

// phoneFields and companyFields are the fields whose written value comes from a paid
// data point: a phone reveal, a company answer.
func (s *crmSpec) phoneFields() []string   { return []string{s.fields.Phone, s.fields.Mobile} }
func (s *crmSpec) companyFields() []string { return []string{s.fields.Industry} }

// waitForNextSecond returns once the current wall-clock second is over (and a little),
// as the sandbox's Settle does: a Salesforce read never takes the second still going on.
func waitForNextSecond() {
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second + 10*time.Millisecond)))
}
