package sandbox_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/leadsync/leadsync/connector"
	"github.com/leadsync/leadsync/connector/sandbox"
	"github.com/leadsync/leadsync/lusha/lushatest"
)

// TestSandboxCompanyPipelines is `leadsync sandbox --once` for companies: every
// pipeline runs once in the config's order, the company pipelines after the people
// ones. They write every company of both CRMs, keep the industries typed by hand, and
// pay only for the companies no people pipeline bought (the shared cache); the credits
// of all summaries are what the fake Lusha charged.
func TestSandboxCompanyPipelines(t *testing.T) {
	sb, eng := start(t, 200)
	sb.Settle()
	sums := map[string]connector.Summary{}
	total := 0
	for _, p := range eng.Pipelines {
		if p.Name == "hubspot-companies" || p.Name == "salesforce-accounts" {
			uncached := uncachedCompanies(t, eng, companiesOf(sb, p.Name))
			sum := runPipeline(t, eng, p)
			if (sum.CreditsSpent == 0) != (uncached == 0) || sum.CreditsSpent > uncached+(uncached+24)/25 {
				t.Errorf("%s spent %d credits for %d companies the people pipelines did not buy", p.Name, sum.CreditsSpent, uncached)
			}
			sums[p.Name] = sum
			total += sum.CreditsSpent
			continue
		}
		sum := runPipeline(t, eng, p)
		sums[p.Name] = sum
		total += sum.CreditsSpent
	}
	if got := sb.Lusha.CreditsUsed(); got != total {
		t.Errorf("fake Lusha charged %d credits, the summaries say %d", got, total)
	}
	hs, sf := sums["hubspot-companies"], sums["salesforce-accounts"]
	if hs.RecordsRead != len(sb.Companies.HubSpot) || hs.RecordsWritten != hs.RecordsRead {
		t.Errorf("HubSpot companies: %+v, want %d read and written", hs.RunCounts, len(sb.Companies.HubSpot))
	}
	if sf.RecordsRead < len(sb.Companies.Salesforce) || sf.RecordsWritten != sf.RecordsRead {
		t.Errorf("Salesforce Accounts: %+v, want at least %d read, all written", sf.RunCounts, len(sb.Companies.Salesforce))
	}
	checkCompanies(t, sb)
}

func runPipeline(t *testing.T, eng *connector.Engine, p *connector.Pipeline) connector.Summary {
	t.Helper()
	sum, err := eng.Runner.Run(context.Background(), p, connector.RunOptions{})
	if err != nil || sum.Status != connector.RunOK {
		t.Fatalf("%s: %v %s %s", p.Name, err, sum.Status, sum.Error)
	}
	return sum
}

// companiesOf lists the world's companies a company pipeline reads, once each: the
// seeded ones, and for Salesforce those its lead conversions made Accounts of.
func companiesOf(sb *sandbox.Sandbox, pipeline string) []*lushatest.Company {
	seen := map[*lushatest.Company]bool{}
	var out []*lushatest.Company
	add := func(c *lushatest.Company) {
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	if pipeline == "hubspot-companies" {
		for _, c := range sb.Companies.HubSpot {
			add(c)
		}
		return out
	}
	for _, c := range sb.Companies.Salesforce {
		add(c)
	}
	for _, p := range sb.ConvertedLeads {
		add(p.Company)
	}
	return out
}

var hubspotIndustry = map[string]string{"Technology, Information & Media": "COMPUTER_SOFTWARE",
	"Financial Services": "FINANCIAL_SERVICES", "Hospitals & Health Care": "HOSPITAL_HEALTH_CARE",
	"Manufacturing": "MACHINERY", "Retail": "RETAIL", "Transportation, Logistics & Storage": "LOGISTICS_AND_SUPPLY_CHAIN"}

var salesforceIndustry = map[string]string{"Technology, Information & Media": "Technology",
	"Financial Services": "Finance", "Hospitals & Health Care": "Healthcare", "Manufacturing": "Manufacturing",
	"Retail": "Retail", "Transportation, Logistics & Storage": "Transportation"}

// checkCompanies compares the company records of both fakes with the world through the
// shipped mappings: industries typed by hand stay, the others are Lusha's.
func checkCompanies(t *testing.T, sb *sandbox.Sandbox) {
	t.Helper()
	for id, c := range sb.Companies.HubSpot {
		got, _ := sb.HubSpot.Get("companies", id)
		want := hubspotIndustry[c.Enriched().Industry]
		if hand, ok := sb.Companies.HandIndustry[id]; ok {
			want = hand
		}
		if got["industry"] != want || got["lusha_enriched_at"] == "" || got["lusha_technologies"] != strings.Join(c.Technologies, ";") {
			t.Errorf("HubSpot company %s: industry %q (want %q), marker %q, technologies %q", id,
				got["industry"], want, got["lusha_enriched_at"], got["lusha_technologies"])
		}
	}
	for id, c := range sb.Companies.Salesforce {
		got := sb.Salesforce.Account(id)
		want := salesforceIndustry[c.Enriched().Industry]
		if hand, ok := sb.Companies.HandIndustry[id]; ok {
			want = hand
		}
		if got["Industry"] != want || got["Lusha_Enriched_At__c"] == "" || got["NumberOfEmployees"] == "" {
			t.Errorf("Salesforce Account %s: Industry %q (want %q), marker %q, employees %q", id,
				got["Industry"], want, got["Lusha_Enriched_At__c"], got["NumberOfEmployees"])
		}
	}
	if len(sb.Companies.HandIndustry) == 0 {
		t.Error("the sandbox typed no industry by hand")
	}
}

// uncachedCompanies counts the companies whose answer the state store lacks.
func uncachedCompanies(t *testing.T, eng *connector.Engine, companies []*lushatest.Company) int {
	t.Helper()
	n := 0
	for _, c := range companies {
		en, err := eng.Store.Enrichment(t.Context(), "company:"+c.ID, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if en == nil {
			n++
		}
	}
	return n
}
