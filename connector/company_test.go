package connector

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/leadsync/leadsync/configs"
	"github.com/leadsync/leadsync/connector/sandbox"
	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/lusha/lushatest"
	"github.com/leadsync/leadsync/mapping"
)

// industryOption is what the shipped HubSpot companies mapping writes for each of the
// world's industries.
var industryOption = map[string]string{"Technology, Information & Media": "COMPUTER_SOFTWARE",
	"Financial Services": "FINANCIAL_SERVICES", "Hospitals & Health Care": "HOSPITAL_HEALTH_CARE",
	"Manufacturing": "MACHINERY", "Retail": "RETAIL", "Transportation, Logistics & Storage": "LOGISTICS_AND_SUPPLY_CHAIN"}

// companies seeds the world's companies into the harness's portal (by name and domain,
// the first with an industry typed by hand), associates each contact with its company,
// and returns a pipeline of the shipped HubSpot companies mapping, with the companies
// by id.
func (h *harness) companies() (*Pipeline, map[string]*lushatest.Company, string) {
	h.t.Helper()
	for _, p := range sandbox.HubSpotCompanyProperties(h.world) {
		h.hub.DefineObjectProperty("companies", p)
	}
	byCompany := map[*lushatest.Company]string{}
	ids := map[string]*lushatest.Company{}
	hand := ""
	for i := range h.world.Companies {
		c := &h.world.Companies[i]
		props := map[string]string{"name": c.Name, "domain": c.EmailDomain}
		if i == 0 {
			props["industry"] = "MARKETING_AND_ADVERTISING"
		}
		id := h.hub.Add("companies", props)
		if i == 0 {
			hand = id
		}
		byCompany[c], ids[id] = id, c
	}
	for _, contactID := range h.ids {
		h.hub.Associate(contactID, byCompany[h.person[contactID].Company], true)
	}
	text, err := configs.FS.ReadFile("mappings/hubspot-companies.yaml")
	if err != nil {
		h.t.Fatal(err)
	}
	m, err := mapping.Parse("hubspot-companies.yaml", text, mapping.Options{Schema: AnswerSchema()})
	if err != nil {
		h.t.Fatal(err)
	}
	settlePortal(h.hub)
	time.Sleep(time.Millisecond)
	return &Pipeline{Name: "companies", Object: "companies", Account: "hs", Mapping: m, CacheTTL: 30 * 24 * time.Hour,
		Filter: crm.Filter{Missing: []string{"lusha_enriched_at"}}}, ids, hand
}

// peopleWithIndustry is a contacts mapping whose fields read the company answer, so
// that a people pipeline buys companies.
const peopleWithIndustry = `object: contacts
match: { email: email, firstName: firstname, lastName: lastname, companyDomain: { from: website, transform: domain } }
fields:
  jobtitle: { from: contact.jobTitle.title }
  industry: { from: company.industry }
  lusha_enriched_at: { value: $now, policy: overwrite }
`

func (h *harness) runPipeline(p *Pipeline, opts RunOptions) Summary {
	h.t.Helper()
	sum, err := h.runner.Run(h.t.Context(), p, opts)
	if err != nil {
		h.t.Fatal(err)
	}
	if sum.Status != RunOK {
		h.t.Fatalf("pipeline %s: status %s: %s", p.Name, sum.Status, sum.Error)
	}
	return sum
}

// companyCalls counts the requests to Lusha's company endpoints from the from'th on.
func (h *harness) companyCalls(from int) int {
	n := 0
	for _, r := range h.sent()[from:] {
		if strings.HasPrefix(r.Path, "/v3/companies/") {
			n++
		}
	}
	return n
}

// TestCompanyPipelineWritesCompanies: a company pipeline enriches every company once,
// writes the world's firmographics through the shipped mapping, keeps a hand-typed
// industry under fill, pays what the fake Lusha charged, and the next run buys nothing.
func TestCompanyPipelineWritesCompanies(t *testing.T) {
	h := newHarness(t, 64, previewMapping, harnessOptions{})
	pipe, companies, hand := h.companies()
	first := h.runPipeline(pipe, RunOptions{})
	if first.RecordsRead != len(companies) || first.RecordsWritten != len(companies) {
		t.Fatalf("first run: %+v, want %d companies read and written", first.RunCounts, len(companies))
	}
	if got := h.lusha.CreditsUsed(); got != first.CreditsSpent || got == 0 {
		t.Errorf("fake Lusha charged %d credits, the run says %d", got, first.CreditsSpent)
	}
	for id, c := range companies {
		got, _ := h.hub.Get("companies", id)
		want := map[string]string{"numberofemployees": strconv.FormatInt(c.Employees, 10), "linkedin_company_page": c.LinkedinURL,
			"lusha_technologies": strings.Join(c.Technologies, ";"), "industry": industryOption[c.Enriched().Industry]}
		if id == hand {
			want["industry"] = "MARKETING_AND_ADVERTISING" // typed by hand: kept under fill
		}
		for field, v := range want {
			if got[field] != v {
				t.Errorf("company %s %s = %q, want %q", id, field, got[field], v)
			}
		}
		if got["lusha_enriched_at"] == "" || got["lusha_employee_range"] == "" {
			t.Errorf("company %s: marker or employee range not written: %v", id, got)
		}
	}
	settlePortal(h.hub)
	second := h.runPipeline(pipe, RunOptions{})
	if second.CreditsSpent != 0 || second.FieldsWritten != 0 {
		t.Errorf("second run spent %d credits and wrote %d fields, want none", second.CreditsSpent, second.FieldsWritten)
	}
}

// TestPeopleAndCompanyPipelinesShareTheCompanyCache: the company answers one side
// bought are the other's for no credits and no call to Lusha, in both orders.
func TestPeopleAndCompanyPipelinesShareTheCompanyCache(t *testing.T) {
	t.Run("people first", func(t *testing.T) {
		h := newHarness(t, 64, peopleWithIndustry, harnessOptions{})
		pipe, companies, _ := h.companies()
		if people := h.runPipeline(h.pipe, RunOptions{}); people.CreditsSpent == 0 {
			t.Fatalf("the people pipeline bought nothing: %+v", people.RunCounts)
		}
		before := len(h.sent())
		sum := h.runPipeline(pipe, RunOptions{})
		if sum.CreditsSpent != 0 || h.companyCalls(before) != 0 {
			t.Errorf("company pipeline after people: %d credits, %d company calls; want 0 and 0", sum.CreditsSpent, h.companyCalls(before))
		}
		if sum.RecordsWritten != len(companies) {
			t.Errorf("company pipeline wrote %d companies from the cache, want %d", sum.RecordsWritten, len(companies))
		}
	})
	t.Run("companies first", func(t *testing.T) {
		h := newHarness(t, 64, peopleWithIndustry, harnessOptions{})
		pipe, _, _ := h.companies()
		if sum := h.runPipeline(pipe, RunOptions{}); sum.CreditsSpent == 0 {
			t.Fatalf("the company pipeline bought nothing: %+v", sum.RunCounts)
		}
		before := len(h.sent())
		people := h.runPipeline(h.pipe, RunOptions{})
		if n := h.companyCalls(before); n != 0 {
			t.Errorf("the people pipeline called Lusha's company endpoints %d times after the company pipeline", n)
		}
		if people.RecordsWritten == 0 {
			t.Errorf("people pipeline wrote nothing: %+v", people.RunCounts)
		}
		for _, id := range h.ids {
			got, _ := h.hub.Contact(id)
			if p := h.person[id]; got["jobtitle"] != "" && got["industry"] != p.Company.Enriched().Industry {
				t.Errorf("contact %s industry %q, want %q from the cached company answer", id, got["industry"], p.Company.Enriched().Industry)
			}
		}
	})
}

// TestCompanyDryRunShowsWritesFieldByField: a dry run of a company pipeline lists each
// company's fields with their decision, the hand-typed industry kept, and changes
// nothing in the CRM.
func TestCompanyDryRunShowsWritesFieldByField(t *testing.T) {
	h := newHarness(t, 40, previewMapping, harnessOptions{})
	pipe, companies, hand := h.companies()
	sum := h.runPipeline(pipe, RunOptions{DryRun: true, Live: true})
	writes := map[string]int{}
	for _, c := range sum.Changes {
		switch {
		case c.RecordID == hand && c.Field == "industry":
			if c.Action != mapping.ActionKeepFilled || c.Old != "MARKETING_AND_ADVERTISING" {
				t.Errorf("hand-typed industry: %+v, want keep_filled", c)
			}
		case c.Action == mapping.ActionWrite:
			if c.Field == "" || c.New == "" {
				t.Errorf("write line without field or value: %+v", c)
			}
			writes[c.RecordID]++
		}
	}
	if len(writes) != len(companies) || sum.FieldsWritten == 0 {
		t.Errorf("dry run planned writes for %d companies (%d fields), want %d", len(writes), sum.FieldsWritten, len(companies))
	}
	if n := h.crmWrites.Load(); n != 0 {
		t.Errorf("a dry run sent %d writes to the CRM", n)
	}
	for id := range companies {
		if got, _ := h.hub.Get("companies", id); got["lusha_enriched_at"] != "" {
			t.Errorf("company %s was written by a dry run", id)
		}
	}
}
