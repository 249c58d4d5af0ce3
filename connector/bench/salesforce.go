package bench

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"time"

	_ "embed"

	"github.com/leadsync/leadsync/crm/salesforce/salesforcetest"
)

// salesforceMapping is the sandbox's Lead mapping plus Phone from any phone number,
// as the HubSpot benchmark's mapping adds `phone`.
//
//go:embed salesforce-mapping.yaml
var salesforceMapping []byte

// SalesforceDocumentedLimits are the limits of the Salesforce sync's limits-on run.
// Salesforce has no per-second API rate: its fake counts every data call against
// the daily allocation (100,000 calls a day, the fake's default) and answers 403
// REQUEST_LIMIT_EXCEEDED beyond it. Lusha keeps its 25 requests a second.
var SalesforceDocumentedLimits = Limits{SalesforceCallsPerDay: 100_000, LushaPerSecond: 25}

// SalesforceClientLimits: the Salesforce client is not paced (there is nothing per
// second to stay under); Lusha is paced at DESIGN §5's rate.
var SalesforceClientLimits = ClientLimits{LushaPerSecond: 25}

var salesforceSpec = crmSpec{
	name: "salesforce", label: "Salesforce",
	documented: SalesforceDocumentedLimits,
	client:     SalesforceClientLimits,
	fields: fieldNames{FirstName: "FirstName", LastName: "LastName", Company: "Company", Website: "Website",
		Email: "Email", Title: "Title", Mobile: "MobilePhone", Phone: "Phone", City: "City", Industry: "Industry"},
	mapping:  salesforceMapping,
	settle:   true,
	newFake:  newSalesforceFake,
	config:   salesforceConfig,
	kind:     salesforceKind,
	rule:     limitRule{inspect: inspectSalesforce, limited: salesforceLimited},
	stages:   salesforceStages,
	daily:    salesforceDaily,
	describe: describeSalesforce,
}

// Custom Lead fields the benchmark's mapping writes, as the sandbox defines them.
var salesforceFields = []salesforcetest.Field{
	{Name: "Lusha_Enriched_At__c", Label: "Lusha Enriched At", Type: "datetime"},
	{Name: "Seniority__c", Label: "Seniority", Type: "picklist", Length: 255, Restricted: true,
		Picklist: []string{"C-Level", "VP", "Director", "Manager", "Individual Contributor"}},
}

// salesforceFake is the fake org; the benchmark syncs its Leads.
type salesforceFake struct{ *salesforcetest.Server }

func newSalesforceFake(seed int64, lim Limits) crmFake {
	f := salesforceFake{salesforcetest.NewServer(salesforcetest.Options{DailyLimit: offIfZero(lim.SalesforceCallsPerDay),
		Seed: uint64(seed)})}
	for _, fd := range salesforceFields {
		f.DefineField("Lead", fd)
	}
	return f
}

func (f salesforceFake) add(fields map[string]string) string { return f.AddLead(fields) }

func (f salesforceFake) update(id string, fields map[string]string) {
	if err := f.Update("Lead", id, fields); err != nil {
		panic("bench: " + err.Error()) // tests only, with ids the fake handed out
	}
}

func (f salesforceFake) records() map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, l := range f.Leads() {
		out[l["Id"]] = l
	}
	return out
}

func (f salesforceFake) environ() []string {
	return []string{envSalesforceClientID + "=" + f.ClientID(), envSalesforceClientSecret + "=" + f.ClientSecret()}
}

func (f salesforceFake) close() { _ = f.Close() } // never started: nothing to stop

const (
	envSalesforceClientID     = "BENCH_SF_CLIENT_ID"
	envSalesforceClientSecret = "BENCH_SF_CLIENT_SECRET"
)

// salesforceConfig: OAuth client credentials against the fake, and settle_lag 0s, so
// that a read stops only before the current second (the benchmark seeds, then waits
// for the next second).
func salesforceConfig(url string, _ ClientLimits) string {
	return fmt.Sprintf(`crms:
  salesforce:
    kind: salesforce
    login_url: %s
    client_id: ${env:`+envSalesforceClientID+`}
    client_secret: ${env:`+envSalesforceClientSecret+`}
    settle_lag: 0s
pipelines:
  - name: `+pipelineName+`
    crm: salesforce
    object: Lead
    filter: { missing: [Lusha_Enriched_At__c] }
    mapping: mapping.yaml
    cache_ttl: 720h
`, url)
}

func describeSalesforce(lim Limits, client ClientLimits) string {
	return fmt.Sprintf("fakes: Salesforce %d calls/day and no per-second limit, Lusha %d/s; leadsync paced at Lusha %g/s",
		lim.SalesforceCallsPerDay, lim.LushaPerSecond, client.LushaPerSecond)
}

// Salesforce call kinds. All but the token requests count against the daily limit.
const (
	kindSalesforceToken    = "salesforce_oauth_token"
	kindSalesforceQuery    = "salesforce_query"      // the changes read: first batch
	kindSalesforceMore     = "salesforce_query_more" // its next batches (nextRecordsUrl)
	kindSalesforceReadBack = "salesforce_read_back"  // SystemModstamp of a written batch
	kindSalesforceUpdate   = "salesforce_collection_update"
	kindSalesforceOther    = "salesforce_other" // describe, limits
)

func salesforceKind(r *http.Request) string {
	p := r.URL.Path
	switch {
	case strings.HasPrefix(p, "/services/oauth2/"):
		return kindSalesforceToken
	case r.Method == http.MethodPatch && strings.HasSuffix(p, "/composite/sobjects"):
		return kindSalesforceUpdate
	case strings.HasSuffix(p, "/query") || strings.HasSuffix(p, "/query/"):
		if strings.Contains(r.URL.Query().Get("q"), "WHERE Id IN (") {
			return kindSalesforceReadBack
		}
		return kindSalesforceQuery
	case strings.Contains(p, "/query/"):
		return kindSalesforceMore
	}
	return kindSalesforceOther
}

// inspectSalesforce: limit answers are error answers (403 REQUEST_LIMIT_EXCEEDED) or
// per-record failures inside a collection update (UNABLE_TO_LOCK_ROW).
func inspectSalesforce(r *http.Request, status int) bool {
	return status >= 400 || r.Method == http.MethodPatch
}

// salesforceLimited: Salesforce signals its limits with codes, not 429; the two that
// mean "the org is at a limit" count as the 429 equivalent.
func salesforceLimited(status int, body []byte) bool {
	return status == http.StatusTooManyRequests ||
		bytes.Contains(body, []byte("REQUEST_LIMIT_EXCEEDED")) || bytes.Contains(body, []byte("UNABLE_TO_LOCK_ROW"))
}

// dataCalls are the calls the org counts: all but the token requests.
func dataCalls(t Traffic) map[string]int {
	out := map[string]int{}
	for k, n := range t.Calls {
		if k != kindSalesforceToken {
			out[k] = n
		}
	}
	return out
}

// salesforceStages: the API calls have no per-second limit, so their stage bounds
// nothing; it shows the calls per lead.
func salesforceStages(leads int, _ ClientLimits, fake Limits, t Traffic, elapsed time.Duration) []Stage {
	s := newStage("Salesforce API", 0, "none", dataCalls(t), leads, elapsed)
	s.FakeLimit = "none per second"
	if fake.SalesforceCallsPerDay > 0 {
		s.FakeLimit = fmt.Sprintf("none per second, %d/day", fake.SalesforceCallsPerDay)
	}
	return []Stage{s}
}

func salesforceDaily(leads int, fake Limits, t Traffic) *DailyQuota {
	if fake.SalesforceCallsPerDay <= 0 {
		return nil
	}
	calls := 0
	for _, n := range dataCalls(t) {
		calls += n
	}
	return newDailyQuota("Salesforce daily API requests", fake.SalesforceCallsPerDay, calls, leads)
}
