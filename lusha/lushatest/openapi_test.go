package lushatest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/leadsync/leadsync/lusha"
)

const specPath = "../../../shared/specs/lusha/lusha-v3-openapi.yml"

// specServer is the doc's only server; requests are re-addressed to it for routing.
const specServer = "https://api.lusha.com"

// expectInvalid marks a raw request the test knows violates the spec.
const expectInvalid = "X-Test-Expect-Invalid"

// loadSpec loads Lusha's V3 document and patches its known gaps, one comment each.
func loadSpec(t *testing.T) (*openapi3.T, routers.Router) {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromFile(specPath)
	if err != nil {
		t.Fatalf("load %s: %v", specPath, err)
	}
	// Gap 1: this copy has `info.version: ''`, which kin-openapi rejects.
	doc.Info.Version = "v3"
	// Gap 2: V3CanRevealItem.field is declared as emails|phones only, yet Lusha's own
	// company search examples reveal employeesByDepartment, competitors, intent, … (§5.4).
	doc.Components.Schemas["V3CanRevealItem"].Value.Properties["field"].Value.Enum = nil
	// Gap 5: PaginationResponse requires size and page, yet every example of the /api
	// lists (and the reference, §6.3) uses limit/offset; the fake follows the examples.
	doc.Components.Schemas["PaginationResponse"].Value.Required = []string{"total", "hasMore"}
	// Gap 6: this copy predates GET /v3/contacts/jobs/{jobId} (newer docs; reference
	// §5.2a, §11): it is added as the reference describes it.
	addJobsPath(t, doc)
	router, err := legacy.NewRouter(doc, openapi3.DisableExamplesValidation())
	if err != nil {
		t.Fatal(err)
	}
	return doc, router
}

// conformance wraps a fake and records every way a request or answer departs from the spec.
type conformance struct {
	t        *testing.T
	doc      *openapi3.T
	router   routers.Router
	fake     *Server
	mu       sync.Mutex
	problems []string
	seen     map[string]bool // "METHOD path status" answered
}

func (c *conformance) fail(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.problems = append(c.problems, fmt.Sprintf(format, args...))
}

func (c *conformance) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	routed := r.Clone(r.Context())
	routed.URL.Scheme, routed.URL.Host, routed.Host = "https", "api.lusha.com", "api.lusha.com"
	routed.Body = io.NopCloser(bytes.NewReader(body))
	route, params, err := c.router.FindRoute(routed)
	if err != nil {
		c.fail("%s %s: no route: %v", r.Method, r.URL.Path, err)
		return
	}
	reqIn := &openapi3filter.RequestValidationInput{Request: routed, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: func(_ context.Context, in *openapi3filter.AuthenticationInput) error {
			if in.RequestValidationInput.Request.Header.Get("api_key") == "" {
				return fmt.Errorf("no api_key header")
			}
			return nil
		}}}
	reqErr := openapi3filter.ValidateRequest(r.Context(), reqIn)
	switch wantInvalid := r.Header.Get(expectInvalid) != ""; {
	case reqErr != nil && !wantInvalid:
		c.fail("request %s %s %s violates the spec: %v", r.Method, r.URL.Path, body, reqErr)
	case reqErr == nil && wantInvalid:
		c.fail("request %s %s %s was meant to violate the spec but passes", r.Method, r.URL.Path, body)
	}

	rec := httptest.NewRecorder()
	r.Body = io.NopCloser(bytes.NewReader(body))
	c.fake.ServeHTTP(rec, r)
	c.checkAnswer(r, reqIn, route, rec)
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

func (c *conformance) checkAnswer(r *http.Request, reqIn *openapi3filter.RequestValidationInput, route *routers.Route, rec *httptest.ResponseRecorder) {
	c.mu.Lock()
	c.seen[fmt.Sprintf("%s %s %d", r.Method, r.URL.Path, rec.Code)] = true
	c.mu.Unlock()
	// Gap 3: operations list only some statuses (no 451/404/5xx on the data endpoints,
	// no 402 on usage), yet Lusha documents them all with the ErrorResponse body (§2.2).
	// Undeclared statuses are checked against ErrorResponse itself.
	if route.Operation.Responses.Status(rec.Code) == nil {
		var v any
		if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
			c.fail("%s %d: body is not JSON: %v", r.URL.Path, rec.Code, err)
			return
		}
		if err := c.doc.Components.Schemas["ErrorResponse"].Value.VisitJSON(v); err != nil {
			c.fail("%s %d: error body does not match ErrorResponse: %v", r.URL.Path, rec.Code, err)
		}
		return
	}
	in := &openapi3filter.ResponseValidationInput{RequestValidationInput: reqIn, Status: rec.Code,
		Header: rec.Header(), Options: &openapi3filter.Options{IncludeResponseStatus: true}}
	in.SetBodyBytes(rec.Body.Bytes())
	if err := openapi3filter.ValidateResponse(r.Context(), in); err != nil {
		c.fail("answer %s %d violates the spec: %v\nbody: %.400s", r.URL.Path, rec.Code, err, rec.Body.String())
	}
}

func newConformance(t *testing.T, fake *Server) (*conformance, *httptest.Server) {
	doc, router := loadSpec(t)
	c := &conformance{t: t, doc: doc, router: router, fake: fake, seen: map[string]bool{}}
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	t.Cleanup(fake.Close)
	return c, srv
}

func TestConformsToOpenAPI(t *testing.T) {
	w := NewWorld(21, 400)
	fake := NewServer(w, Options{Limits: Limits{UsagePerMinute: 2}})
	conf, srv := newConformance(t, fake)
	c := lusha.NewClient(fake.APIKey(), lusha.WithBaseURL(srv.URL))
	ctx := t.Context()

	var items []lusha.ContactSearchItem
	var ids []string
	for i := range 30 {
		p := &w.People[i]
		ids = append(ids, p.ID)
		switch i % 4 {
		case 0:
			items = append(items, lusha.ContactSearchItem{ClientReferenceID: fmt.Sprint(i), ID: p.ID})
		case 1:
			items = append(items, lusha.ContactSearchItem{ClientReferenceID: fmt.Sprint(i), Email: p.Email})
		case 2:
			items = append(items, lusha.ContactSearchItem{ClientReferenceID: fmt.Sprint(i), LinkedinURL: p.LinkedinURL})
		default:
			items = append(items, lusha.ContactSearchItem{ClientReferenceID: fmt.Sprint(i), FirstName: p.FirstName,
				LastName: p.LastName, CompanyName: p.Company.Name, CompanyDomain: p.Company.EmailDomain})
		}
	}
	yes := true
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
	must(c.SearchContacts(ctx, lusha.ContactsSearchRequest{Contacts: items, Options: &lusha.SearchOptions{IncludePartialProfiles: &yes},
		Signals: &lusha.SignalsFilter{Types: []string{"promotion"}, StartDate: "2026-01-01", MaxResultsPerSignal: 5}}))
	must(c.EnrichContacts(ctx, lusha.ContactsEnrichRequest{IDs: ids, Reveal: []string{lusha.RevealEmails}}))
	must(c.EnrichContacts(ctx, lusha.ContactsEnrichRequest{IDs: ids}))
	must(c.SearchAndEnrichContacts(ctx, lusha.ContactsSearchAndEnrichRequest{Contacts: items, Reveal: []string{lusha.RevealPhones}}))
	var companies []lusha.CompanySearchItem
	var companyIDs []string
	for i, co := range w.Companies {
		companies = append(companies, lusha.CompanySearchItem{ClientReferenceID: fmt.Sprint(i), Domain: co.Domain})
		companyIDs = append(companyIDs, co.ID)
	}
	companies = append(companies, lusha.CompanySearchItem{Name: "Nobody Inc"})
	must(c.SearchCompanies(ctx, lusha.CompaniesSearchRequest{Companies: companies,
		Signals: &lusha.SignalsFilter{Types: []string{"surgeInHiring"}}}))
	must(c.EnrichCompanies(ctx, lusha.CompaniesEnrichRequest{IDs: append(companyIDs, "404"), Reveal: lusha.CompanyRevealFields}))
	must(c.AccountUsage(ctx))
	must(c.AccountUsage(ctx))
	wantErr(c.AccountUsage(ctx)) // 429: usage limited to 2 a minute here

	fake.SetCredits(0)
	fresh := []string{w.People[200].ID, w.People[201].ID, w.People[202].ID} // not revealed yet
	wantErr(c.EnrichContacts(ctx, lusha.ContactsEnrichRequest{IDs: fresh}))
	wantErr(c.SearchContacts(ctx, lusha.ContactsSearchRequest{Contacts: items[:2]}))
	fake.SetCredits(1000)
	for _, status := range []int{500, 503, 429, 403} {
		fake.FailNext(1, status)
		wantErr(c.EnrichCompanies(ctx, lusha.CompaniesEnrichRequest{IDs: companyIDs[:1]}))
	}
	wantErr(lusha.NewClient("wrong-key", lusha.WithBaseURL(srv.URL)).AccountUsage(ctx))
	wantErr(c.EnrichContacts(ctx, lusha.ContactsEnrichRequest{IDs: ids[:1], TableID: "t1"}))

	// Raw requests the spec itself forbids: the fake must 400 them with the documented body.
	for _, raw := range []struct {
		path, key, body string
		specInvalid     bool
	}{
		// Gap 4: the schemas do not say additionalProperties: false, but Lusha answers
		// unknown properties with 400 ("property … should not exist", §1), so the fake does.
		{"/v3/contacts/search", fake.APIKey(), `{"contacts":[{"id":"1","domain":"x.com"}]}`, false},
		{"/v3/contacts/search", fake.APIKey(), `{"contacts":[]}`, true},
		{"/v3/contacts/enrich", fake.APIKey(), `{"ids":["1"],"reveal":["fax"]}`, true},
		{"/v3/companies/search", fake.APIKey(), `{"companies":"acme"}`, true},
		{"/v3/contacts/search", "", `{"contacts":[{"id":"1"}]}`, true},
	} {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+raw.path, strings.NewReader(raw.body))
		req.Header.Set("Content-Type", "application/json")
		if raw.specInvalid {
			req.Header.Set(expectInvalid, "1")
		}
		if raw.key != "" {
			req.Header.Set("api_key", raw.key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 && resp.StatusCode != 401 {
			t.Errorf("%s %s: status %d", raw.path, raw.body, resp.StatusCode)
		}
	}

	// A fake with 451 answers for all-restricted requests.
	gdpr := pick(t, w, "restricted person", restricted)
	fake451 := NewServer(w, Options{RestrictedAs451: true})
	_, srv451 := newConformance(t, fake451)
	wantErr(lusha.NewClient(fake451.APIKey(), lusha.WithBaseURL(srv451.URL)).SearchContacts(ctx,
		lusha.ContactsSearchRequest{Contacts: []lusha.ContactSearchItem{{ID: gdpr.ID}}}))

	for _, p := range conf.problems {
		t.Error(p)
	}
	for _, want := range []string{"POST /v3/contacts/search 200", "POST /v3/contacts/enrich 200",
		"POST /v3/contacts/search-and-enrich 200", "POST /v3/companies/search 200", "POST /v3/companies/enrich 200",
		"GET /v3/account/usage 200", "GET /v3/account/usage 429", "POST /v3/contacts/enrich 402",
		"POST /v3/contacts/search 400", "POST /v3/contacts/search 401", "POST /v3/companies/enrich 500",
		"POST /v3/companies/enrich 503", "GET /v3/account/usage 401"} {
		if !conf.seen[want] {
			t.Errorf("scenario never produced %q; seen %v", want, conf.seen)
		}
	}
}

// jobsPathSpec is GET /v3/contacts/jobs/{jobId} as the reference's §5.2a describes it;
// the field types are the reference's inference, so numbers are only `number`.
const jobsPathSpec = `openapi: 3.0.3
info: {title: jobs, version: v3}
paths:
  /v3/contacts/jobs/{jobId}:
    get:
      operationId: getContactsEnrichJob
      security: [{ApiKeyAuth: []}]
      parameters: [{name: jobId, in: path, required: true, schema: {type: string}}]
      responses:
        '200':
          description: the job
          content:
            application/json:
              schema:
                type: object
                required: [jobId, status]
                properties:
                  jobId: {type: string}
                  status: {type: string, enum: [processing, complete, expired, failed]}
                  retryAfter: {type: number}
                  covers: {}
                  contacts: {type: array, items: {type: object, properties: {id: {type: string}}}}
                  creditsCharged: {type: number}
`

func addJobsPath(t *testing.T, doc *openapi3.T) {
	t.Helper()
	jobs, err := openapi3.NewLoader().LoadFromData([]byte(jobsPathSpec))
	if err != nil {
		t.Fatalf("jobs path: %v", err)
	}
	for path, item := range jobs.Paths.Map() {
		doc.Paths.Set(path, item)
	}
}
