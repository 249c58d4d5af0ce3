package connector

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/leadsync/leadsync/connector/run"
	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/hubspot"
	"github.com/leadsync/leadsync/crm/hubspot/hubspottest"
	"github.com/leadsync/leadsync/mapping"
)

// companyMappingYAML writes a company's firmographics; industry is filled only when
// empty, so that a hand-typed one stays.
const companyMappingYAML = `object: companies
match: { companyDomain: { from: domain, transform: domain }, companyName: name }
fields:
  industry: { from: company.industry, map: { Retail: RETAIL }, default: INTERNET }
  numberofemployees: { from: company.employeeCount.exact }
  description: { from: company.description }
`

// companiesFront is the HubSpot adapter (and its crm.Companies) over the harness's
// fake portal, in front of which it can lose the answers of company writes.
type companiesFront struct {
	*hubspot.Client
	hub *hubspottest.Server
	// loseCompanyWrites is how many company batch updates are applied and then lose
	// their answer.
	loseCompanyWrites atomic.Int32
	mu                sync.Mutex
	written           map[string]int // company id → batch updates that named it
	// planned, when set, holds each look-up by domain until that many were made, so
	// that concurrent runs all plan their creations before any of them creates.
	planned *barrier
}

// barrier lets callers through once n of them arrived (or their context ended).
type barrier struct {
	mu   sync.Mutex
	n    int
	open chan struct{}
}

func newBarrier(n int) *barrier { return &barrier{n: n, open: make(chan struct{})} }

func (b *barrier) arrive(ctx context.Context) {
	b.mu.Lock()
	if b.n--; b.n == 0 {
		close(b.open)
	}
	b.mu.Unlock()
	select {
	case <-b.open:
	case <-ctx.Done():
	}
}

var _ crm.Companies = (*companiesFront)(nil)

// withCompanies gives the harness's pipeline a company_record over the fake portal.
func (h *harness) withCompanies(create bool) *companiesFront {
	h.t.Helper()
	f := &companiesFront{hub: h.hub, written: map[string]int{}}
	srv := httptest.NewServer(http.HandlerFunc(f.serve))
	h.t.Cleanup(srv.Close)
	f.Client = hubspot.New(h.hub.Token(), hubspot.WithBaseURL(srv.URL), hubspot.WithSettleLag(0))
	m, err := mapping.Parse("companies.yaml", []byte(companyMappingYAML), mapping.Options{Schema: AnswerSchema()})
	if err != nil {
		h.t.Fatal(err)
	}
	h.pipe.CRM = f
	h.pipe.Companies = &run.CompanyRecord{Mapping: m, CreateMissing: create}
	return f
}

func (f *companiesFront) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/crm/v3/objects/companies/batch/update" || f.loseCompanyWrites.Add(-1) < 0 {
		f.hub.ServeHTTP(w, r)
		return
	}
	rec := httptest.NewRecorder()
	f.hub.ServeHTTP(rec, r)
	if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
		_ = conn.Close() // applied, and the answer is lost
	}
}

func (f *companiesFront) Write(ctx context.Context, object string, patches []crm.Patch) ([]crm.WriteResult, error) {
	if object == "companies" {
		f.mu.Lock()
		for _, p := range patches {
			f.written[p.RecordID]++
		}
		f.mu.Unlock()
	}
	return f.Client.Write(ctx, object, patches)
}

func (f *companiesFront) writes(id string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.written[id]
}

// CompaniesByDomain is the adapter's, once the planned look-ups all came.
func (f *companiesFront) CompaniesByDomain(ctx context.Context, domains, fields []string) (map[string]crm.Record, error) {
	if f.planned != nil {
		f.planned.arrive(ctx)
	}
	return f.Client.CompaniesByDomain(ctx, domains, fields)
}

// oneCompany makes n people Lusha can answer work at the world's first company, and
// gives them one company record in the portal with fields; it returns its id and the
// people's contact ids.
func (h *harness) oneCompany(n int, fields map[string]string) (string, []string) {
	h.t.Helper()
	co := &h.world.Companies[0]
	props := map[string]string{"name": co.Name, "domain": co.EmailDomain}
	for k, v := range fields {
		props[k] = v
	}
	id := h.hub.AddCompany(props)
	var people []string
	for _, cid := range h.ids {
		if p := h.person[cid]; p.Known && !p.Restricted && len(people) < n {
			p.Company = co
			h.hub.Associate(cid, id, true)
			people = append(people, cid)
		}
	}
	if len(people) < n {
		h.t.Fatalf("the world has %d answerable people, want %d", len(people), n)
	}
	return id, people
}

// companyCharges counts the companies Lusha billed a reveal for.
func (h *harness) companyCharges() (calls, companies, credits int) {
	for _, c := range h.charges("/v3/companies/enrich") {
		calls++
		companies += len(c.Items)
		credits += c.Credits
	}
	return calls, companies, credits
}

// TestCompanyWrittenOncePerRun: thirty people of one company in one page make one
// company purchase and one write of the company record, with its ledger rows; a
// hand-typed industry stays under fill.
func TestCompanyWrittenOncePerRun(t *testing.T) {
	h := newHarness(t, 60, previewMapping, harnessOptions{})
	f := h.withCompanies(false)
	id, people := h.oneCompany(30, map[string]string{"industry": "ACCOUNTING"})
	sum := h.run(RunOptions{})
	if sum.Companies == nil || sum.Companies.RecordsWritten != 1 || sum.Companies.RecordsFailed != 0 {
		t.Fatalf("company summary %+v; want one company record written", sum.Companies)
	}
	if n := f.writes(id); n != 1 {
		t.Errorf("company %s written %d times; want once", id, n)
	}
	if calls, companies, _ := h.companyCharges(); calls != 1 || companies != 1 {
		t.Errorf("Lusha billed %d company reveals in %d calls; want one", companies, calls)
	}
	props, _ := h.hub.Company(id)
	if props["industry"] != "ACCOUNTING" {
		t.Errorf("hand-typed industry became %q under fill", props["industry"])
	}
	if props["numberofemployees"] == "" || props["description"] == "" {
		t.Errorf("company fields not written: %v", props)
	}
	owned, err := h.store.OwnedBy(t.Context(), "hs", "companies", []string{id})
	if err != nil {
		t.Fatal(err)
	}
	if owned[id]["description"] != props["description"] || owned[id]["industry"] != "" {
		t.Errorf("ledger of company %s: %v; want description, not industry", id, owned[id])
	}
	// The people were written as ever: the company stage never holds them.
	for _, pid := range people {
		if c, _ := h.hub.Contact(pid); c["lusha_enriched_at"] == "" {
			t.Fatalf("person %s not written", pid)
		}
	}
	// Company ids are kept apart from people ids.
	if st, err := h.store.RecordsOf(t.Context(), run.CompanyPipeline("p"), "hs", []string{id}); err != nil || st[id].Status != "done" {
		t.Errorf("company record state %+v (%v); want done under %s", st[id], err, run.CompanyPipeline("p"))
	}
}

// TestFilledCompanyBuysNothing: a company record whose mapped fields are all filled
// (under fill) costs no company purchase and no write.
func TestFilledCompanyBuysNothing(t *testing.T) {
	h := newHarness(t, 30, previewMapping, harnessOptions{})
	f := h.withCompanies(false)
	id, _ := h.oneCompany(5, map[string]string{"industry": "RETAIL", "numberofemployees": "7", "description": "typed"})
	sum := h.run(RunOptions{})
	if calls, _, _ := h.companyCharges(); calls != 0 {
		t.Errorf("%d company purchases; want none", calls)
	}
	if n := f.writes(id); n != 0 || sum.Companies.RecordsWritten != 0 {
		t.Errorf("company written %d times (summary %+v); want none", n, sum.Companies)
	}
}

// TestCompanyWriteLostIsReadBack: a company write whose answer was lost keeps its
// write-ahead rows, and the next run reads the company back and settles them (I6).
func TestCompanyWriteLostIsReadBack(t *testing.T) {
	h := newHarness(t, 30, previewMapping, harnessOptions{})
	f := h.withCompanies(false)
	id, _ := h.oneCompany(5, nil)
	f.loseCompanyWrites.Store(1)
	h.run(RunOptions{})
	pending, err := h.store.PendingWritesOf(t.Context(), run.CompanyPipeline("p"), "hs")
	if err != nil || len(pending) == 0 {
		t.Fatalf("pending company rows %v (%v); want the lost write's", pending, err)
	}
	if st, _ := h.store.RecordsOf(t.Context(), run.CompanyPipeline("p"), "hs", []string{id}); st[id].Status != "unknown" {
		t.Fatalf("company state %+v; want unknown", st[id])
	}
	h.run(RunOptions{})
	if pending, _ := h.store.PendingWritesOf(t.Context(), run.CompanyPipeline("p"), "hs"); len(pending) != 0 {
		t.Fatalf("pending company rows after the read-back: %v", pending)
	}
	props, _ := h.hub.Company(id)
	owned, _ := h.store.OwnedBy(t.Context(), "hs", "companies", []string{id})
	for _, field := range []string{"industry", "numberofemployees", "description"} {
		if owned[id][field] == "" || owned[id][field] != props[field] {
			t.Errorf("%s: ledger %q, company %q; want the written value in the ledger", field, owned[id][field], props[field])
		}
	}
	if n := f.writes(id); n != 1 {
		t.Errorf("company written %d times; the read-back settles it without writing again", n)
	}
}

// domainsOf is the bare company domain of each person Lusha answers.
func (h *harness) answerable() map[string][]string {
	byDomain := map[string][]string{}
	for _, cid := range h.ids {
		if p := h.person[cid]; p.Known && !p.Restricted {
			byDomain[p.Company.EmailDomain] = append(byDomain[p.Company.EmailDomain], cid)
		}
	}
	return byDomain
}

// checkOneCompanyEach fails unless each domain has exactly one company, to which its
// people are linked.
func (h *harness) checkOneCompanyEach(byDomain map[string][]string) {
	h.t.Helper()
	for d, people := range byDomain {
		ids := h.hub.CompaniesWithDomain(d)
		if len(ids) != 1 {
			h.t.Errorf("domain %s has companies %v; want exactly one", d, ids)
			continue
		}
		for _, pid := range people {
			if links := h.hub.ContactCompanies(pid); len(links) != 1 || links[0].ID != ids[0] {
				h.t.Errorf("person %s linked to %v; want company %s", pid, links, ids[0])
			}
		}
	}
	if n := h.hub.CountCompanies(); n != len(byDomain) {
		h.t.Errorf("%d companies; want %d, one per domain", n, len(byDomain))
	}
}

// TestCreateMissingOnePage: people of the same new company in one page make one
// company, which they are all linked to; a second run creates nothing more.
func TestCreateMissingOnePage(t *testing.T) {
	h := newHarness(t, 24, previewMapping, harnessOptions{})
	h.withCompanies(true)
	byDomain := h.answerable()
	sum := h.run(RunOptions{})
	if sum.Companies == nil || sum.Companies.Created != len(byDomain) {
		t.Fatalf("company summary %+v; want %d created", sum.Companies, len(byDomain))
	}
	h.checkOneCompanyEach(byDomain)
	for _, ids := range byDomain {
		id := h.hub.CompaniesWithDomain(h.person[ids[0]].Company.EmailDomain)[0]
		props, _ := h.hub.Company(id)
		if props["name"] == "" || props["description"] == "" {
			t.Errorf("created company %s: %v; want its name and mapped fields", id, props)
		}
		owned, _ := h.store.OwnedBy(t.Context(), "hs", "companies", []string{id})
		if owned[id]["description"] == "" || owned[id]["domain"] == "" {
			t.Errorf("ledger of created company %s: %v; want every written field", id, owned[id])
		}
	}
	for _, cid := range h.ids {
		h.hub.UpdateContact(cid, map[string]string{"lusha_enriched_at": ""})
	}
	h.settle()
	h.run(RunOptions{})
	h.checkOneCompanyEach(byDomain)
}

// TestCreateMissingConcurrentPipelines: two pipelines over the same people, run at
// once, create each new company once between them.
func TestCreateMissingConcurrentPipelines(t *testing.T) {
	h := newHarness(t, 24, previewMapping, harnessOptions{})
	f := h.withCompanies(true)
	f.planned = newBarrier(2)
	byDomain := h.answerable()
	other := *h.pipe
	other.Name = "q"
	var wg sync.WaitGroup
	sums := make([]Summary, 2)
	errs := make([]error, 2)
	for i, p := range []*Pipeline{h.pipe, &other} {
		wg.Go(func() { sums[i], errs[i] = h.runner.Run(context.Background(), p, RunOptions{}) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
	}
	h.checkOneCompanyEach(byDomain)
	created := 0
	for _, s := range sums {
		if s.Companies != nil {
			created += s.Companies.Created
		}
	}
	if created != len(byDomain) {
		t.Errorf("the runs created %d companies; want %d", created, len(byDomain))
	}
}

// TestCompanyDryRun: a dry run shows, field by field, the writes of existing company
// records and the companies it would create, and writes nothing.
func TestCompanyDryRun(t *testing.T) {
	h := newHarness(t, 40, previewMapping, harnessOptions{})
	h.withCompanies(true)
	id, _ := h.oneCompany(5, map[string]string{"industry": "ACCOUNTING"})
	before := h.hub.CountCompanies()
	sum := h.run(RunOptions{DryRun: true, Live: true})
	lines := map[string]Change{}
	creations := 0
	for _, c := range sum.Changes {
		if c.Object != "companies" {
			continue
		}
		lines[c.RecordID+" "+c.Field] = c
		if c.Action == run.ActionWouldCreateCompany {
			creations++
			if lines[c.RecordID+" description"].Action == "" && !slices.ContainsFunc(sum.Changes, func(x Change) bool {
				return x.Object == "companies" && x.RecordID == c.RecordID && x.Field == "description" && x.Action == mapping.ActionWrite
			}) {
				t.Errorf("creation %s shows no field lines", c.RecordID)
			}
		}
	}
	if got := lines[id+" industry"]; got.Action != mapping.ActionKeepFilled || got.Old != "ACCOUNTING" {
		t.Errorf("industry line %+v; want keep_filled ACCOUNTING", got)
	}
	if got := lines[id+" description"]; got.Action != mapping.ActionWrite || got.New == "" {
		t.Errorf("description line %+v; want a write", got)
	}
	if creations == 0 || sum.Companies == nil || sum.Companies.Created != creations {
		t.Errorf("%d creations shown, summary %+v", creations, sum.Companies)
	}
	for _, c := range sum.Changes {
		if c.Object == "companies" && strings.HasPrefix(c.RecordID, "new:") && c.Action == run.ActionWouldCreateCompany && c.New == "" {
			t.Errorf("creation %+v names no domain", c)
		}
	}
	if n := h.hub.CountCompanies(); n != before {
		t.Errorf("a dry run created companies: %d, was %d", n, before)
	}
	if props, _ := h.hub.Company(id); props["description"] != "" {
		t.Errorf("a dry run wrote the company: %v", props)
	}
}
