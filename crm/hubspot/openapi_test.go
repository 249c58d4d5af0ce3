package hubspot_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/hubspot"
	"github.com/leadsync/leadsync/crm/hubspot/hubspottest"
)

const specDir = "/work/shared/specs/hubspot/"

// specRouter loads HubSpot's official contacts and properties v3 documents.
//
// Deliberate exception: a requested property without a value is JSON null in
// SimplePublicObject.properties (documented and captured, reference §3.1), while the
// spec types the values as plain strings; the loaded schema is made nullable there.
// The documents' own examples are not checked: some contradict their schemas
// (e.g. Error.context's example is a string).
func specRouters(t *testing.T) []routers.Router {
	t.Helper()
	var out []routers.Router
	for _, file := range []string{"crm/contacts/v3/contacts.json", "crm/properties/v3/properties.json",
		"crm/companies/v3/companies.json", "crm/leads/v3/leads.json", "crm/associations/v4/associations.json",
		"auth/oauth/v1/oauth.json", "crm/objects/v3/objects.json"} {
		doc, err := openapi3.NewLoader().LoadFromFile(specDir + file)
		if err != nil {
			t.Fatalf("load %s: %v", file, err)
		}
		for name, s := range doc.Components.Schemas {
			if p := s.Value.Properties["properties"]; strings.HasPrefix(name, "SimplePublic") && p != nil &&
				p.Value.AdditionalProperties.Schema != nil {
				p.Value.AdditionalProperties.Schema.Value.Nullable = true
			}
		}
		r, err := legacy.NewRouter(doc, openapi3.DisableExamplesValidation())
		if err != nil {
			t.Fatalf("router %s: %v", file, err)
		}
		out = append(out, r)
	}
	return out
}

// validator checks every request the adapter sends and every answer the fake gives
// against the spec documents.
type validator struct {
	next    http.Handler
	routers []routers.Router
	mu      sync.Mutex
	seen    map[string]bool // "METHOD path status" checked
	errs    []string
}

func (v *validator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqBody, _ := io.ReadAll(r.Body)
	// The documents' server is api.hubapi.com; route as if the call went there.
	probe := r.Clone(context.Background())
	probe.URL.Scheme, probe.URL.Host, probe.Host = "https", "api.hubapi.com", "api.hubapi.com"
	probe.Body = io.NopCloser(bytes.NewReader(reqBody))
	var route *routers.Route
	var params map[string]string
	for _, rt := range v.routers {
		if route, params, _ = rt.FindRoute(probe); route != nil {
			break
		}
	}
	rec := httptest.NewRecorder()
	r.Body = io.NopCloser(bytes.NewReader(reqBody))
	v.next.ServeHTTP(rec, r)

	v.mu.Lock()
	defer v.mu.Unlock()
	key := fmt.Sprintf("%s %s %d", r.Method, r.URL.Path, rec.Code)
	v.seen[key] = true
	if route == nil {
		v.errs = append(v.errs, key+": no route in the spec")
	} else {
		in := &openapi3filter.RequestValidationInput{Request: probe, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: requireBearer}}
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			v.errs = append(v.errs, key+": request: "+err.Error())
		}
		out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: rec.Code,
			Header: rec.Header(), Body: io.NopCloser(bytes.NewReader(rec.Body.Bytes())),
			Options: &openapi3filter.Options{IncludeResponseStatus: false}}
		if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
			v.errs = append(v.errs, key+": response: "+err.Error())
		}
	}
	for k, vals := range rec.Header() {
		w.Header()[k] = vals
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

// requireBearer stands in for the spec's oauth2 scheme: private-app and OAuth tokens
// both travel as a Bearer header (reference §0.1).
func requireBearer(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	if !strings.HasPrefix(in.RequestValidationInput.Request.Header.Get("Authorization"), "Bearer ") {
		return fmt.Errorf("no bearer token")
	}
	return nil
}

func TestWireMatchesSpec(t *testing.T) {
	clk := newClock()
	fake := hubspottest.NewServer(hubspottest.Options{Clock: clk.Now, SearchPerSecond: 2, BurstLimit: -1, AssociationPageSize: 1})
	v := &validator{next: fake, routers: specRouters(t), seen: map[string]bool{}}
	e := setupHandler(t, fake, v, clk)
	ctx := context.Background()
	var id []string
	for i := range 5 {
		id = append(id, fake.AddContact(map[string]string{"email": fmt.Sprintf("%d@example.com", i), "firstname": "Ann"}))
	}
	clk.Advance(time.Minute)

	// Adapter traffic: paged search, a 429, writes answered 200, 207 and 400, schema.
	if _, err := readAll(t, e.client, crm.ChangesRequest{Object: "contacts", PageSize: 2, Fields: []string{"email", "jobtitle"},
		Filter: crm.Filter{Missing: []string{"jobtitle"}, Equals: map[string]string{"firstname": "Ann"}}}); crm.ClassOf(err) != crm.ClassRateLimited {
		t.Errorf("third search in one second: %v, want rate_limited", err)
	}
	clk.Advance(time.Second)
	if _, err := readAll(t, e.client, crm.ChangesRequest{Object: "contacts"}); err != nil {
		t.Error(err)
	}
	if _, err := e.client.Write(ctx, "contacts", []crm.Patch{{RecordID: id[0], Fields: map[string]string{"jobtitle": "CEO"}}}); err != nil {
		t.Error(err)
	}
	if _, err := e.client.Write(ctx, "contacts", []crm.Patch{{RecordID: "424242", Fields: map[string]string{"jobtitle": "CEO"}}}); err != nil {
		t.Error(err)
	}
	if _, err := e.client.Write(ctx, "contacts", []crm.Patch{{RecordID: id[1], Fields: map[string]string{"hs_lead_status": "HOT", "city": "Rome"}}}); err != nil {
		t.Error(err)
	}
	if _, err := e.client.Schema(ctx, "contacts"); err != nil {
		t.Error(err)
	}

	// Leads as a source and a sink.
	lead := fake.AddLead(id[0], map[string]string{"hs_lead_name": "Ann's lead"})
	clk.Advance(time.Minute)
	if _, err := readAll(t, e.client, crm.ChangesRequest{Object: "leads", Fields: []string{"hs_lead_name"}}); err != nil {
		t.Error(err)
	}
	clk.Advance(time.Second)
	if _, err := e.client.Write(ctx, "leads", []crm.Patch{{RecordID: lead, Fields: map[string]string{"hs_lead_label": "WARM"}}}); err != nil {
		t.Error(err)
	}
	// Companies through associations: one contact with a company, one without (207).
	acme := fake.Add("companies", map[string]string{"name": "Acme", "domain": "acme.com"})
	fake.Associate(id[0], acme, true)
	if got, err := e.client.CompanyOf(ctx, []string{id[0], id[1]}, "name", "domain"); err != nil || got[id[0]].ID != acme {
		t.Errorf("CompanyOf = %v, %v", got, err)
	}
	if _, err := e.client.CompanyOf(ctx, []string{id[0]}, "name"); err != nil {
		t.Error(err)
	}
	// The crm.Companies methods: a contact's companies over two pages (the fake pages
	// associations one by one here), companies by domain, create and link, and
	// companies as a pipeline's object.
	other := fake.AddCompany(map[string]string{"name": "Other", "domain": "other.com"})
	fake.Associate(id[0], other, false)
	if got, err := e.client.CompaniesOf(ctx, "contacts", []string{id[0]}, []string{"name"}); err != nil || got[id[0]].ID != acme {
		t.Errorf("CompaniesOf = %v, %v", got, err)
	}
	clk.Advance(time.Second)
	if got, err := e.client.CompaniesByDomain(ctx, []string{"acme.com", "nowhere.com"}, []string{"name"}); err != nil || got["acme.com"].ID != acme {
		t.Errorf("CompaniesByDomain = %v, %v", got, err)
	}
	if _, err := e.client.CreateCompany(ctx, "contacts", map[string]string{"name": "Hooli", "domain": "hooli.com"}, []string{id[1]}); err != nil {
		t.Error(err)
	}
	if err := e.client.LinkCompany(ctx, "contacts", acme, []string{id[2], "999"}); crm.ClassOf(err) != crm.ClassInvalid {
		t.Errorf("link with an unknown contact: %v", err)
	}
	clk.Advance(time.Minute)
	if _, err := readAll(t, e.client, crm.ChangesRequest{Object: "companies", Fields: []string{"name", "industry"}}); err != nil {
		t.Error(err)
	}
	if _, err := e.client.Write(ctx, "companies", []crm.Patch{{RecordID: acme, Fields: map[string]string{"industry": "RETAIL"}}}); err != nil {
		t.Error(err)
	}
	if _, err := e.client.Get(ctx, "companies", []string{acme, "999"}, []string{"industry"}); err != nil {
		t.Error(err)
	}
	// The deletion feed: the archived list, paged, with archivedAt.
	for range 2 {
		fake.ArchiveContact(fake.AddContact(map[string]string{"email": "gone@example.com"}))
	}
	for _, err := range e.client.Deleted(ctx, "contacts", time.Time{}) {
		if err != nil {
			t.Error(err)
		}
	}
	doomed := fake.AddContact(map[string]string{"email": "doomed@example.com"})
	doomedCo := fake.AddCompany(map[string]string{"name": "Doomed", "domain": "doomed.example"})
	// OAuth: a first token, a refresh after a 401, a refused refresh token.
	creds := fake.OAuth()
	oc := hubspot.New("", hubspot.WithBaseURL(e.url), hubspot.WithClock(clk.Now), hubspot.WithOAuth(hubspot.OAuthConfig{
		ClientID: creds.ClientID, ClientSecret: creds.ClientSecret, RefreshToken: creds.RefreshToken}))
	if _, err := oc.Schema(ctx, "contacts"); err != nil {
		t.Error(err)
	}
	fake.ExpireTokens()
	if _, err := oc.Schema(ctx, "leads"); err != nil {
		t.Error(err)
	}
	bad := hubspot.New("", hubspot.WithBaseURL(e.url), hubspot.WithOAuth(hubspot.OAuthConfig{
		ClientID: creds.ClientID, ClientSecret: creds.ClientSecret, RefreshToken: "revoked"}))
	if _, err := bad.Schema(ctx, "contacts"); crm.ClassOf(err) != crm.ClassAuth {
		t.Errorf("refused refresh: %v", err)
	}

	// Fake-only traffic: reads, a duplicate-id batch, a bad token.
	calls := []struct {
		method, path, token, body string
		status                    int
	}{
		{"GET", "/crm/v3/objects/contacts/" + id[0] + "?properties=email,phone", fake.Token(), "", 200},
		{"GET", "/crm/v3/objects/contacts/999", fake.Token(), "", 404},
		{"POST", "/crm/v3/objects/contacts/batch/read", fake.Token(), `{"properties":["email"],"propertiesWithHistory":[],"inputs":[{"id":"` + id[2] + `"},{"id":"999"}]}`, 207},
		{"POST", "/crm/v3/objects/contacts/batch/update", fake.Token(), `{"inputs":[{"id":"1","properties":{"city":"a"}},{"id":"1","properties":{"city":"b"}}]}`, 400},
		{"GET", "/crm/v3/properties/contacts", "wrong", "", 401},
		{"POST", "/crm/v3/objects/companies/batch/upsert", fake.Token(), `{"inputs":[{"id":"globex.com","idProperty":"domain","properties":{"name":"Globex"}},{"id":"acme.com","idProperty":"domain","properties":{"industry":"NOT_AN_INDUSTRY"}}]}`, 207},
		{"POST", "/crm/v3/objects/contacts/batch/upsert", fake.Token(), `{"inputs":[{"id":"new@example.com","idProperty":"email","properties":{"firstname":"New"}}]}`, 200},
		{"GET", "/crm/v4/objects/contacts/" + id[0] + "/associations/companies", fake.Token(), "", 200},
		{"GET", "/crm/v3/objects/leads/" + lead + "?properties=hs_lead_name", fake.Token(), "", 200},
		// The list endpoint every official client's getPage calls (reference §4.0, §10.2).
		{"GET", "/crm/v3/objects/contacts?limit=2&properties=email&properties=city&archived=false", fake.Token(), "", 200},
		{"GET", "/crm/v3/objects/contacts?limit=2&after=" + id[3] + "&properties=email,city", fake.Token(), "", 200},
		{"GET", "/crm/v3/objects/companies?archived=true", fake.Token(), "", 200},
		{"GET", "/crm/v3/objects/0-136?limit=1", fake.Token(), "", 200},
		{"GET", "/crm/v3/objects/contacts?archived=true&limit=1&properties=hs_object_id", fake.Token(), "", 200},
		// Deleting: one record, a batch (an unknown id too), and an id never seen.
		{"DELETE", "/crm/v3/objects/contacts/" + doomed, fake.Token(), "", 204},
		{"DELETE", "/crm/v3/objects/contacts/424243", fake.Token(), "", 204},
		{"POST", "/crm/v3/objects/companies/batch/archive", fake.Token(), `{"inputs":[{"id":"` + doomedCo + `"},{"id":"999"}]}`, 204},
		// Creating companies and contacts (reference §4.5, §5.1).
		{"POST", "/crm/v3/objects/companies", fake.Token(), `{"properties":{"name":"Initech","domain":"initech.com"},"associations":[{"to":{"id":"` + id[4] + `"},"types":[{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":280}]}]}`, 201},
		{"POST", "/crm/v3/objects/companies/batch/create", fake.Token(), `{"inputs":[{"properties":{"domain":"a.example"},"associations":[]}]}`, 201},
		{"POST", "/crm/v3/objects/contacts/batch/create", fake.Token(), `{"inputs":[{"properties":{"email":"fresh@example.com"},"associations":[],"objectWriteTraceId":"0"},{"properties":{"email":"0@example.com"},"associations":[],"objectWriteTraceId":"1"}]}`, 207},
		{"POST", "/crm/v3/objects/contacts", fake.Token(), `{"properties":{"email":"0@example.com"},"associations":[]}`, 409},
		// Associations v4 writes and paged reads (reference §5.3).
		{"POST", "/crm/v4/associations/contacts/companies/batch/create", fake.Token(), `{"inputs":[{"from":{"id":"` + id[1] + `"},"to":{"id":"` + acme + `"},"types":[{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":1}]}]}`, 201},
		{"POST", "/crm/v4/associations/contacts/companies/batch/create", fake.Token(), `{"inputs":[{"from":{"id":"999"},"to":{"id":"` + acme + `"},"types":[{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":279}]}]}`, 207},
		{"POST", "/crm/v4/associations/contacts/companies/batch/associate/default", fake.Token(), `{"inputs":[{"from":{"id":"` + id[2] + `"},"to":{"id":"` + acme + `"}}]}`, 200},
		{"PUT", "/crm/v4/objects/contacts/" + id[3] + "/associations/default/companies/" + acme, fake.Token(), "", 200},
		{"PUT", "/crm/v4/objects/contacts/" + id[3] + "/associations/companies/" + acme, fake.Token(), `[{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":1}]`, 201},
		{"GET", "/crm/v4/objects/companies/" + acme + "/associations/contacts?limit=1", fake.Token(), "", 200},
		{"POST", "/crm/v4/associations/companies/contacts/batch/read", fake.Token(), `{"inputs":[{"id":"` + acme + `","after":"` + url.QueryEscape(base64.StdEncoding.EncodeToString([]byte("0-1-"+id[0]))) + `"}]}`, 200},
	}
	for _, c := range calls {
		req, _ := http.NewRequest(c.method, e.url+c.path, strings.NewReader(c.body))
		req.Header.Set("Authorization", "Bearer "+c.token)
		if c.body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status {
			t.Errorf("%s %s = %d, want %d", c.method, c.path, resp.StatusCode, c.status)
		}
	}
	http.DefaultClient.CloseIdleConnections()

	v.mu.Lock()
	defer v.mu.Unlock()
	for _, want := range []string{
		"POST /crm/v3/objects/contacts/search 200", "POST /crm/v3/objects/contacts/search 429",
		"POST /crm/v3/objects/contacts/batch/update 200", "POST /crm/v3/objects/contacts/batch/update 207",
		"POST /crm/v3/objects/contacts/batch/update 400", "GET /crm/v3/properties/contacts 200",
		"POST /crm/v3/objects/leads/search 200", "POST /crm/v3/objects/leads/batch/update 200",
		"POST /crm/v4/associations/contacts/companies/batch/read 200",
		"POST /crm/v4/associations/contacts/companies/batch/read 207",
		"POST /crm/v3/objects/companies/batch/read 200", "POST /crm/v3/objects/companies/batch/read 207",
		"POST /crm/v3/objects/companies/search 200", "POST /crm/v3/objects/companies 201",
		"POST /crm/v4/associations/contacts/companies/batch/create 201",
		"POST /crm/v4/associations/contacts/companies/batch/create 207",
		"POST /crm/v3/objects/companies/batch/update 200",
		"POST /oauth/v1/token 200", "POST /oauth/v1/token 400", "GET /crm/v3/properties/leads 401",
		"GET /crm/v3/properties/leads 200", "GET /crm/v3/objects/contacts 200",
		"GET /crm/v3/objects/companies 200", "GET /crm/v3/objects/0-136 200",
		"DELETE /crm/v3/objects/contacts/" + doomed + " 204", "POST /crm/v3/objects/companies/batch/archive 204",
	} {
		if !v.seen[want] {
			t.Errorf("scenario never produced %q (saw %v)", want, v.seen)
		}
	}
	for _, err := range v.errs {
		t.Error(err)
	}
}

// The validator itself must reject what the spec rejects, or TestWireMatchesSpec
// proves nothing.
func TestValidatorCatchesMismatch(t *testing.T) {
	bad := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		fmt.Fprint(w, `{"results":[{"id":"1","properties":{}}]}`) // no total, createdAt, updatedAt, archived
	})
	v := &validator{next: bad, routers: specRouters(t), seen: map[string]bool{}}
	e := setupHandler(t, nil, v, newClock())
	_, _ = readAll(t, e.client, crm.ChangesRequest{Object: "contacts"})
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.errs) == 0 {
		t.Error("an answer without required fields passed validation")
	}
}
