package lushatest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/leadsync/leadsync/lusha"
)

// payloadChecker is a webhook receiver that validates every delivery against a
// component schema of the spec (deliveries do not pass the conformance proxy).
type payloadChecker struct {
	schema   *openapi3.Schema
	mu       sync.Mutex
	bodies   int
	problems []string
}

func (pc *payloadChecker) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var v any
	err := json.Unmarshal(body, &v)
	if err == nil {
		err = pc.schema.VisitJSON(v)
	}
	pc.mu.Lock()
	pc.bodies++
	if err != nil {
		pc.problems = append(pc.problems, fmt.Sprintf("delivery %s: %v", body, err))
	}
	if r.Header.Get(lusha.HeaderSignature) == "" || r.Header.Get(lusha.HeaderTimestamp) == "" ||
		r.Header.Get("User-Agent") != "Lusha-Webhooks/1.0" || r.Header.Get("Content-Type") != "application/json" {
		pc.problems = append(pc.problems, fmt.Sprintf("delivery headers %v", r.Header))
	}
	pc.mu.Unlock()
	w.WriteHeader(http.StatusCreated)
}

func newPayloadChecker(t *testing.T, doc *openapi3.T, schema string) (*payloadChecker, string) {
	pc := &payloadChecker{schema: doc.Components.Schemas[schema].Value}
	srv := httptest.NewServer(pc)
	t.Cleanup(srv.Close)
	return pc, srv.URL + "/hooks"
}

// rawCall sends a body the client would refuse, marked as spec-invalid when it is.
func rawCall(t *testing.T, method, url, key, body string, specInvalid bool) int {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("api_key", key)
	if specInvalid {
		req.Header.Set(expectInvalid, "1")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestExtrasConformToOpenAPI(t *testing.T) {
	w := NewWorld(21, 400)
	// Many calls in one second: lift the per-second window, which is not under test here.
	fake := NewServer(w, Options{Limits: Limits{PerSecond: 10_000}, Webhooks: WebhookOptions{Backoff: time.Millisecond}})
	conf, srv := newConformance(t, fake)
	c := lusha.NewClient(fake.APIKey(), lusha.WithBaseURL(srv.URL))
	ctx := t.Context()
	must := func(_ any, _ *lusha.Response, err error) {
		t.Helper()
		if err != nil {
			t.Errorf("call failed: %v", err)
		}
	}
	wantErr := func(_ any, _ *lusha.Response, err error) {
		t.Helper()
		if err == nil {
			t.Error("call succeeded, want an error answer")
		}
	}
	yes := true

	// Companies search-and-enrich.
	must(c.SearchAndEnrichCompanies(ctx, lusha.CompaniesSearchAndEnrichRequest{Companies: []lusha.CompanySearchItem{
		{ClientReferenceID: "a", Domain: w.Companies[0].Domain}, {ClientReferenceID: "b", Name: "Nobody Inc"}},
		Options: &lusha.SearchOptions{IncludePartialProfiles: &yes}}))

	// Prospecting, its pages and its filters.
	min1, max1000 := int64(1), int64(100000)
	must(c.ProspectContacts(ctx, lusha.ProspectingContactsRequest{Pagination: lusha.PageRequest{Size: 100},
		Filters: lusha.ProspectingContactFilters{
			Contacts: &lusha.IncludeExcludeContacts{Include: &lusha.ContactCriteria{Departments: []string{"Sales", "Marketing"},
				SeniorityIDs: []int{5, 6}, Countries: []string{"US"}, ExistingDataPoints: []string{"work_email"},
				Signals: &lusha.ContactSignalsCriteria{Types: []string{"promotion"}, StartDate: "2026-01-01"}},
				Exclude: &lusha.ContactCriteria{JobTitles: []string{"Intern"}}},
			Companies: &lusha.IncludeExcludeCompanies{Include: &lusha.CompanyFilterCriteria{
				CompanyCriteria:  lusha.CompanyCriteria{Sizes: []lusha.Range{{Min: &min1, Max: &max1000}}, TechnologiesCondition: "or"},
				IndustriesLabels: []string{"Retail"}}}},
		Options: &lusha.ProspectingContactsOptions{ExcludeDnc: &yes}}))
	for page, err := range c.ProspectContactsPages(ctx, lusha.ProspectingContactsRequest{Pagination: lusha.PageRequest{Size: 50},
		Filters: lusha.ProspectingContactFilters{Contacts: &lusha.IncludeExcludeContacts{
			Include: &lusha.ContactCriteria{Departments: []string{"Sales"}}}}}) {
		must(page, nil, err)
	}
	must(c.ProspectCompanies(ctx, lusha.ProspectingCompaniesRequest{Pagination: lusha.PageRequest{Size: 10},
		Filters: lusha.ProspectingCompanyFilters{Companies: lusha.IncludeExcludeProspectingCompanies{
			Include: lusha.CompanyProspectingCriteria{CompanyCriteria: lusha.CompanyCriteria{CompanyType: []string{"Private Company"}},
				Signals: &lusha.CompanySignalsCriteria{Types: []string{"surgeInHiring"}}}}}}))
	must(c.ProspectCompanies(ctx, lusha.ProspectingCompaniesRequest{Pagination: lusha.PageRequest{Size: 25},
		Filters: lusha.ProspectingCompanyFilters{Companies: lusha.IncludeExcludeProspectingCompanies{
			Include: lusha.CompanyProspectingCriteria{CompanyCriteria: lusha.CompanyCriteria{BusinessModel: []string{"B2B"}}}},
			Contacts: &lusha.IncludeExcludeContactsOnCompany{Include: &lusha.ContactsOnCompanyFilters{Departments: []string{"Sales"}}}}}))
	// Contacts with technologies is refused (§5.8); the spec cannot say so.
	wantErr(c.ProspectCompanies(ctx, lusha.ProspectingCompaniesRequest{Pagination: lusha.PageRequest{Size: 25},
		Filters: lusha.ProspectingCompanyFilters{Companies: lusha.IncludeExcludeProspectingCompanies{
			Include: lusha.CompanyProspectingCriteria{CompanyCriteria: lusha.CompanyCriteria{Technologies: []string{"aws"}}}},
			Contacts: &lusha.IncludeExcludeContactsOnCompany{Include: &lusha.ContactsOnCompanyFilters{Departments: []string{"Sales"}}}}}))
	if code := rawCall(t, "POST", srv.URL+"/v3/contacts/prospecting", fake.APIKey(),
		`{"pagination":{"page":0,"size":5},"filters":{}}`, true); code != 400 {
		t.Errorf("page size 5: %d, want 400", code)
	}
	must(c.ContactProspectingFilters(ctx))
	must(c.CompanyProspectingFilters(ctx))
	must(c.CompanySignalFilters(ctx))
	for _, f := range []struct{ kind, query string }{{"departments", ""}, {"seniority", ""}, {"existingDataPoints", ""},
		{"countries", ""}, {"locations", "ber"}} {
		must(c.ContactProspectingFilterValues(ctx, f.kind, f.query))
	}
	for _, f := range []struct{ kind, query string }{{"names", "ac"}, {"sizes", ""}, {"revenues", ""}, {"locations", "york"},
		{"sics", ""}, {"naics", ""}, {"industriesLabels", ""}, {"intentTopics", ""}, {"technologies", "sql"}} {
		must(c.CompanyProspectingFilterValues(ctx, f.kind, f.query))
	}
	for _, f := range []struct{ kind, query string }{{"newsEventTypes", ""}, {"hiringByDepartments", ""},
		{"hiringByLocations", "united"}, {"intentCategories", ""}} {
		must(c.CompanySignalFilterValues(ctx, f.kind, f.query))
	}
	wantErr(c.ContactProspectingFilterValues(ctx, "locations", ""))           // query required
	wantErr(c.CompanySignalFilterValues(ctx, "intentCategories", "security")) // query refused

	// Signals.
	must(c.ContactSignalTypes(ctx))
	must(c.CompanySignalTypes(ctx))
	var personIDs, companyIDs []string
	for i := range 40 {
		personIDs = append(personIDs, w.People[i].ID)
	}
	for _, co := range w.Companies {
		companyIDs = append(companyIDs, co.ID)
	}
	must(c.ContactSignals(ctx, lusha.ContactSignalsRequest{IDs: personIDs, SignalTypes: []string{"allSignals"}, StartDate: "2026-01-01"}))
	must(c.CompanySignals(ctx, lusha.CompanySignalsRequest{IDs: companyIDs, SignalTypes: []string{"allSignals"},
		StartDate: "2026-01-01", MaxResultsPerSignal: 1}))
	must(c.CompanySignals(ctx, lusha.CompanySignalsRequest{IDs: companyIDs[:5], SignalTypes: []string{"linkedinActivityIntent", "riskNews"},
		Filters: &lusha.CompanySignalsFilters{Include: &lusha.CompanySignalsInclude{IntentCategories: []string{"Security"}}}}))
	if code := rawCall(t, "POST", srv.URL+"/v3/contacts/signals", fake.APIKey(), `{"ids":["1"]}`, true); code != 400 {
		t.Errorf("signals without types: %d, want 400", code)
	}

	// Lookalikes: a session, its continuation, an unknown session, too few seeds, no credits.
	seeds := lusha.ContactIdentifiers{IDs: personIDs[:3], Emails: []string{w.People[3].Email},
		Contacts: []lusha.ContactName{{FirstName: w.People[4].FirstName, LastName: w.People[4].LastName, CompanyDomain: w.People[4].Company.EmailDomain}}}
	first, _, err := c.ContactLookalikes(ctx, lusha.ContactLookalikesRequest{Seeds: seeds, Limit: 10})
	must(first, nil, err)
	if first != nil && first.DedupeSessionID != nil {
		must(c.ContactLookalikes(ctx, lusha.ContactLookalikesRequest{Seeds: seeds, Limit: 10, DedupeSessionID: *first.DedupeSessionID,
			Exclude: &lusha.ContactIdentifiers{IDs: personIDs[5:8]}}))
	}
	wantErr(c.ContactLookalikes(ctx, lusha.ContactLookalikesRequest{Seeds: seeds, DedupeSessionID: "5b1d6c1e-0000-4000-8000-000000000000"}))
	if code := rawCall(t, "POST", srv.URL+"/v3/contacts/lookalike", fake.APIKey(), `{"seeds":{"ids":["1","2"]}}`, false); code != 400 {
		t.Errorf("two seeds: %d, want 400", code)
	}
	var domains []string
	for _, co := range w.Companies[:6] {
		domains = append(domains, co.Domain)
	}
	firstCo, _, err := c.CompanyLookalikes(ctx, lusha.CompanyLookalikesRequest{Seeds: lusha.CompanyIdentifiers{Domains: domains}, Limit: 5})
	must(firstCo, nil, err)
	wantErr(c.CompanyLookalikes(ctx, lusha.CompanyLookalikesRequest{Seeds: lusha.CompanyIdentifiers{Domains: domains},
		DedupeSessionID: "5b1d6c1e-0000-4000-8000-000000000001"}))
	fake.SetCredits(0)
	wantErr(c.ContactLookalikes(ctx, lusha.ContactLookalikesRequest{Seeds: seeds}))
	wantErr(c.ContactSignals(ctx, lusha.ContactSignalsRequest{IDs: personIDs, SignalTypes: []string{"allSignals"}, StartDate: "2026-01-01"}))
	fake.SetCredits(1000)

	// Webhooks: secret, subscriptions, tests, audit logs, opt-out, deliveries.
	doc, _ := loadSpec(t)
	signals, hookURL := newPayloadChecker(t, doc, "WebhookPayload")
	optOuts, optOutURL := newPayloadChecker(t, doc, "OptOutWebhookPayload")
	wantErr(c.AccountSecret(ctx)) // 404 before any secret exists
	person := w.People[0]
	created, _, err := c.CreateSubscriptions(ctx, lusha.CreateSubscriptionsRequest{Name: "leads",
		Defaults: lusha.SubscriptionDefaults{URL: hookURL, EntityType: lusha.EntityContact, SignalTypes: []string{"promotion", "companyChange"}},
		Subscriptions: []lusha.SubscriptionItem{{EntityID: person.ID}, {EntityID: person.ID},
			{EntityID: w.Companies[0].ID, EntityType: lusha.EntityCompany, SignalTypes: []string{"allSignals"}}}})
	must(created, nil, err)
	if created == nil || created.Successful != 2 || created.Failed != 1 {
		t.Fatalf("create = %+v, want 2 created and 1 duplicate", created)
	}
	subID := created.Results[0].Subscription.ID
	wantErr(c.CreateSubscriptions(ctx, lusha.CreateSubscriptionsRequest{Defaults: lusha.SubscriptionDefaults{URL: "http://example.com/x"},
		Subscriptions: []lusha.SubscriptionItem{{EntityID: "1"}}})) // plain HTTP off loopback
	must(c.AccountSecret(ctx))
	must(c.ListSubscriptionsPage(ctx, 1, 0))
	must(c.Subscription(ctx, subID))
	wantErr(c.Subscription(ctx, "507f1f77bcf86cd799439011"))
	off := false
	must(c.UpdateSubscription(ctx, subID, lusha.UpdateSubscriptionRequest{Name: "renamed", IsActive: &off}))
	must(c.UpdateSubscription(ctx, subID, lusha.UpdateSubscriptionRequest{IsActive: &yes, RegenerateSecret: true}))
	wantErr(c.UpdateSubscription(ctx, "507f1f77bcf86cd799439011", lusha.UpdateSubscriptionRequest{Name: "x"}))
	for _, mode := range []string{"", lusha.TestModeDirect, lusha.TestModeKafka} {
		must(c.TestSubscription(ctx, subID, mode))
	}
	wantErr(c.TestSubscription(ctx, "507f1f77bcf86cd799439011", ""))
	must(c.CreateOptOutSubscription(ctx, lusha.CreateOptOutSubscriptionRequest{URL: optOutURL, Name: "opt-outs"}))
	wantErr(c.CreateOptOutSubscription(ctx, lusha.CreateOptOutSubscriptionRequest{URL: optOutURL}))
	if n := fake.EmitSignal(promotionSignal(&w.People[0], time.Now())); n != 1 {
		t.Errorf("EmitSignal started %d deliveries, want 1", n)
	}
	fake.EmitOptOut(lusha.OptOutPayload{ContactID: person.ID, FullName: person.FirstName + " " + person.LastName,
		ContactOptOutDate: "2026-04-22 14:32:11.412", ContactExposureDate: "2025-08-03 09:15:47",
		Datapoints: []lusha.OptOutDatapoint{{DatapointID: person.Email, DatapointType: "email"}}})
	fake.WaitDeliveries()
	must(c.AuditLogsPage(ctx, lusha.AuditLogQuery{SubscriptionID: subID, Status: lusha.DeliverySuccess, PageSize: 10}, 0))
	must(c.AuditLogStats(ctx, subID))
	must(c.AuditLogStats(ctx, ""))
	must(c.RegenerateAccountSecret(ctx))
	must(c.DeleteSubscriptions(ctx, []string{subID, subID, "507f1f77bcf86cd799439011"}))
	if code := rawCall(t, "GET", srv.URL+"/api/subscriptions?limit=500", fake.APIKey(), ``, true); code != 400 {
		t.Errorf("limit 500: %d, want 400", code)
	}
	if code := rawCall(t, "POST", srv.URL+"/api/subscriptions/delete", fake.APIKey(), `{"ids":[]}`, true); code != 400 {
		t.Errorf("empty delete: %d, want 400", code)
	}
	wantErr(lusha.NewClient("wrong-key", lusha.WithBaseURL(srv.URL)).ListSubscriptionsPage(ctx, 10, 0))

	for _, pc := range []*payloadChecker{signals, optOuts} {
		for _, p := range pc.problems {
			t.Error(p)
		}
	}
	if signals.bodies < 3 || optOuts.bodies != 1 { // 2 test deliveries + 1 signal; 1 opt-out
		t.Errorf("receivers got %d signal and %d opt-out deliveries", signals.bodies, optOuts.bodies)
	}
	for _, p := range conf.problems {
		t.Error(p)
	}
	for _, want := range []string{"POST /v3/companies/search-and-enrich 200", "POST /v3/contacts/prospecting 200",
		"POST /v3/contacts/prospecting 400", "POST /v3/companies/prospecting 200", "POST /v3/companies/prospecting 400",
		"GET /v3/contacts/prospecting/filters 200", "GET /v3/companies/prospecting/filters 200",
		"GET /v3/companies/signals/filters 200", "GET /v3/contacts/prospecting/filters/locations 200",
		"GET /v3/contacts/prospecting/filters/locations 400", "GET /v3/companies/signals/filters/intentCategories 400",
		"GET /v3/companies/prospecting/filters/names 200", "GET /v3/contacts/signals/types 200",
		"GET /v3/companies/signals/types 200", "POST /v3/contacts/signals 200", "POST /v3/contacts/signals 400",
		"POST /v3/contacts/signals 402", "POST /v3/companies/signals 200", "POST /v3/contacts/lookalike 200",
		"POST /v3/contacts/lookalike 410", "POST /v3/contacts/lookalike 400", "POST /v3/contacts/lookalike 402",
		"POST /v3/companies/lookalike 200", "POST /v3/companies/lookalike 410", "GET /api/account/secret 404",
		"GET /api/account/secret 200", "POST /api/subscriptions 201", "POST /api/subscriptions 400",
		"GET /api/subscriptions 200", "GET /api/subscriptions 400", "GET /api/subscriptions 401",
		"PATCH /api/subscriptions/" + subID + " 200", "GET /api/subscriptions/507f1f77bcf86cd799439011 404",
		"POST /api/subscriptions/" + subID + "/test 200", "POST /api/subscriptions/507f1f77bcf86cd799439011/test 404",
		"POST /api/subscriptions/opt-out 201", "POST /api/subscriptions/opt-out 403", "GET /api/audit-logs 200",
		"GET /api/audit-logs/stats 200", "POST /api/account/secret/regenerate 200", "POST /api/subscriptions/delete 200",
		"POST /api/subscriptions/delete 400"} {
		if !conf.seen[want] {
			t.Errorf("scenario never produced %q", want)
		}
	}
}
