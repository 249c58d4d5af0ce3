package connector

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leadsync/leadsync/connector/account"
	"github.com/leadsync/leadsync/connector/config"
	"github.com/leadsync/leadsync/connector/react"
	"github.com/leadsync/leadsync/connector/run"
	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/hubspot"
	"github.com/leadsync/leadsync/crm/hubspot/hubspottest"
	"github.com/leadsync/leadsync/lusha/lushatest"
	"github.com/leadsync/leadsync/mapping"
	"github.com/leadsync/leadsync/state"
)

// harness is one pipeline against a fake HubSpot and a fake Lusha, built in-process,
// with retries fast enough for tests.
type harness struct {
	t         *testing.T
	world     *lushatest.World
	lusha     *lushatest.Server
	hub       *hubspottest.Server
	store     *state.SQLite
	storePath string
	lushaURL  string
	hubURL    string
	accts     *account.Accounts
	settings  account.Settings
	runner    *Runner
	pipe      *Pipeline
	// contact ids in seeding order, and the person each was made from
	ids    []string
	person map[string]*lushatest.Person

	mu       sync.Mutex
	fail     func(r *http.Request, body []byte) int // status to answer instead of Lusha, 0 to pass
	requests []lushaRequest
	// crmWrites counts batch update requests the CRM received; crm429 its 429 answers.
	crmWrites, crm429 atomic.Int32
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

type lushaRequest struct {
	Path string
	Body string
}

type harnessOptions struct {
	hub     hubspottest.Options
	credits int
	budget  config.Budget
	breaker config.Breaker
	// crmBreaker is the CRM account's breaker (default: never opens in a test).
	crmBreaker config.Breaker
	now        func() time.Time
}

const phonesMapping = `object: contacts
match: { email: email, firstName: firstname, lastName: lastname, companyDomain: { from: website, transform: domain } }
fields:
  jobtitle: { from: contact.jobTitle.title }
  phone: { from: "contact.phones[0].number", transform: e164 }
  lusha_enriched_at: { value: $now, policy: overwrite }
`

const previewMapping = `object: contacts
match: { email: email, firstName: firstname, lastName: lastname, companyDomain: { from: website, transform: domain } }
fields:
  jobtitle: { from: contact.jobTitle.title }
  city: { from: contact.location.city }
  lusha_enriched_at: { value: $now, policy: overwrite }
`

func newHarness(t *testing.T, n int, mappingYAML string, o harnessOptions) *harness {
	t.Helper()
	h := &harness{t: t, world: lushatest.NewWorld(11, n), person: map[string]*lushatest.Person{}}
	if o.credits == 0 {
		o.credits = 1_000_000
	}
	h.lusha = lushatest.NewServer(h.world, lushatest.Options{Credits: o.credits})
	lsrv := httptest.NewServer(http.HandlerFunc(h.serveLusha))
	t.Cleanup(lsrv.Close)
	h.lushaURL = lsrv.URL
	t.Cleanup(h.lusha.Close)

	h.hub = hubspottest.NewServer(o.hub)
	h.hub.DefineProperty(hubspottest.Property{Name: "lusha_enriched_at", Type: "datetime", FieldType: "date", GroupName: "contactinformation"})
	for i := range h.world.People {
		p := &h.world.People[i]
		id := h.hub.AddContact(map[string]string{"email": p.Email, "firstname": p.FirstName, "lastname": p.LastName,
			"company": p.Company.Name, "website": "https://" + p.Company.EmailDomain})
		h.ids = append(h.ids, id)
		h.person[id] = p
	}
	hsrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/batch/update") {
			h.crmWrites.Add(1)
		}
		sw := &statusWriter{ResponseWriter: w}
		h.hub.ServeHTTP(sw, r)
		if sw.status == http.StatusTooManyRequests {
			h.crm429.Add(1)
		}
	}))
	t.Cleanup(hsrv.Close)
	h.hubURL = hsrv.URL

	h.storePath = t.TempDir() + "/state.db"
	store, err := state.Open(t.Context(), h.storePath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	h.store = store

	m, err := mapping.Parse("mapping.yaml", []byte(mappingYAML), mapping.Options{Schema: AnswerSchema()})
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Default().Lusha
	if o.breaker.Failures == 0 {
		o.breaker = cfg.Breaker
	}
	if o.crmBreaker.Failures == 0 {
		o.crmBreaker = config.Breaker{Failures: 1000, Timeout: time.Minute}
	}
	adapter := hubspot.New(h.hub.Token(), hubspot.WithBaseURL(hsrv.URL), hubspot.WithSettleLag(0))
	h.settings = account.Settings{
		Lusha: account.LushaSettings{APIKey: h.lusha.APIKey(), BaseURL: lsrv.URL, Timeout: cfg.Timeout,
			PerSecond: cfg.Rate.PerSecond, CreditsPerDay: o.budget.CreditsPerDay, CreditsPerRun: o.budget.CreditsPerRun,
			Breaker: account.BreakerSettings{Failures: o.breaker.Failures, Timeout: o.breaker.Timeout}, Retry: fastRetry()},
		CRMs: []account.CRMSettings{{Name: "hs", Kind: "hubspot", Identity: hsrv.URL,
			Breaker: account.BreakerSettings{Failures: o.crmBreaker.Failures, Timeout: o.crmBreaker.Timeout},
			Build:   func() (crm.Adapter, error) { return adapter, nil }}},
	}
	h.accts = account.New(account.Options{Ledger: store, Claims: store, Owner: "test"})
	if err := h.accts.Apply(h.settings); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.accts.Close)
	e := &Engine{Store: store, Accounts: h.accts}
	h.runner = &Runner{engine: e, Runner: run.Runner{Store: store, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Owner: "test", NegativeTTL: 24 * time.Hour, Retry: fastRetry(), Now: o.now}}
	h.pipe = &Pipeline{Name: "p", Object: "contacts", Account: "hs", Mapping: m, CacheTTL: 30 * 24 * time.Hour,
		Filter: crm.Filter{Missing: []string{"lusha_enriched_at"}}}
	return h
}

func fastRetry() react.Policy {
	return react.Policy{Base: time.Millisecond, Max: 5 * time.Millisecond}
}

// breaker is the state of the named account's breaker: "lusha" or "crm hs".
func (h *harness) breaker(name string) string { return h.accts.Breakers()[name] }

// adapter is a plain adapter of the fake portal, for tests that wrap it.
func (h *harness) adapter(opts ...hubspot.Option) *hubspot.Client {
	return hubspot.New(h.hub.Token(), append([]hubspot.Option{hubspot.WithBaseURL(h.hubURL), hubspot.WithSettleLag(0)}, opts...)...)
}

// serveLusha records each request and answers it through the fake, unless the test's
// fail function says otherwise.
func (h *harness) serveLusha(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	h.mu.Lock()
	h.requests = append(h.requests, lushaRequest{Path: r.URL.Path, Body: string(body)})
	fail := h.fail
	h.mu.Unlock()
	if fail != nil {
		if status := fail(r, body); status != 0 {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			fmt.Fprintf(w, `{"statusCode":%d,"message":"injected by the test"}`, status)
			return
		}
	}
	h.lusha.ServeHTTP(w, r)
}

func (h *harness) setFail(f func(r *http.Request, body []byte) int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.fail = f
}

func (h *harness) sent() []lushaRequest {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]lushaRequest(nil), h.requests...)
}

// remap swaps the pipeline's mapping, as a user's edit of the mapping file does.
func (h *harness) remap(mappingYAML string) {
	h.t.Helper()
	m, err := mapping.Parse("mapping.yaml", []byte(mappingYAML), mapping.Options{Schema: AnswerSchema()})
	if err != nil {
		h.t.Fatal(err)
	}
	h.pipe.Mapping = m
}

func (h *harness) run(opts RunOptions) Summary {
	h.t.Helper()
	sum, err := h.runner.Run(context.Background(), h.pipe, opts)
	if err != nil {
		h.t.Fatal(err)
	}
	return sum
}

// settle waits until every contact's modification time has passed, so that a read
// that ends at "now" sees them all.
func (h *harness) settle() { settlePortal(h.hub) }

// settlePortal waits until every contact of a fake portal was modified in the past.
func settlePortal(hub *hubspottest.Server) {
	var latest time.Time
	for _, c := range hub.Contacts() {
		if t, err := time.Parse(time.RFC3339Nano, c["lastmodifieddate"]); err == nil && t.After(latest) {
			latest = t
		}
	}
	time.Sleep(time.Until(latest.Add(time.Millisecond)))
}

func (h *harness) charges(endpoint string) []lushatest.Charge {
	var out []lushatest.Charge
	for _, c := range h.lusha.Charges() {
		if c.Endpoint == endpoint {
			out = append(out, c)
		}
	}
	return out
}

type response struct {
	code int
	body string
}

func httpGet(url string) (response, error) {
	resp, err := http.Get(url)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return response{resp.StatusCode, string(b)}, err
}
