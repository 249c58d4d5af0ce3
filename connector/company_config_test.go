package connector

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leadsync/leadsync/connector/config"
	"github.com/leadsync/leadsync/crm/hubspot/hubspottest"
	"github.com/leadsync/leadsync/state"
)

// companyConfig writes a config whose HubSpot contacts pipeline has a company_record
// with the given company mapping, beside the shipped contact mapping.
func companyConfig(t *testing.T, companyMapping string) *config.Config {
	return companyConfigAt(t, companyMapping, "")
}

// companyConfigAt is companyConfig with the HubSpot account at baseURL ("": HubSpot's).
func companyConfigAt(t *testing.T, companyMapping, baseURL string) *config.Config {
	t.Helper()
	dir := t.TempDir()
	contacts, err := os.ReadFile(filepath.Join("..", "configs", "mappings", "hubspot-contacts.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{"contacts.yaml": string(contacts), "companies.yaml": companyMapping,
		"leadsync.yaml": `state: { path: state.db }
lusha: { api_key: "${env:LUSHA_API_KEY}" }
crms:
  hs: { kind: hubspot, token: "${env:HUBSPOT_TOKEN}"BASE }
pipelines:
  - name: p
    crm: hs
    object: contacts
    mapping: contacts.yaml
    company_record: { write: true, mapping: companies.yaml, create_missing: true }
`}
	base := ""
	if baseURL != "" {
		base = ", base_url: " + baseURL
	}
	files["leadsync.yaml"] = strings.Replace(files["leadsync.yaml"], "BASE", base, 1)
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := config.Load(filepath.Join(dir, "leadsync.yaml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestCompanyRecordWired: the engine loads a people pipeline's company mapping and
// gives the pipeline its company-record stage.
func TestCompanyRecordWired(t *testing.T) {
	companies, err := os.ReadFile(filepath.Join("..", "configs", "mappings", "hubspot-companies.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := companyConfig(t, string(companies))
	getenv := func(string) string { return "secret" }
	store, err := state.Open(t.Context(), filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	e, err := BuildWith(cfg, getenv, slog.New(slog.NewTextHandler(io.Discard, nil)), store, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Accounts.Close)
	p, _ := e.Pipeline("p")
	if p.Companies == nil || p.Companies.Mapping == nil || p.Companies.Mapping.Object != "companies" || !p.Companies.CreateMissing {
		t.Fatalf("pipeline's company record %+v; want the company mapping, creating missing companies", p.Companies)
	}
}

// TestCompanyRecordMappingChecked: a company mapping for another object is refused
// at its file's place, and so is a missing file at the config's.
func TestCompanyRecordMappingChecked(t *testing.T) {
	_, err := LoadMappings(companyConfig(t, "object: contacts\nmatch: { email: email }\nfields:\n  jobtitle: { from: contact.jobTitle.title }\n"))
	if err == nil || !strings.Contains(err.Error(), `companies.yaml:1:1: mapping is for object "contacts" but pipeline p writes its company records to "companies"`) {
		t.Errorf("error %v; want the object refused at companies.yaml:1:1", err)
	}
	cfg := companyConfig(t, "")
	if err := os.Remove(cfg.Resolve("companies.yaml")); err != nil {
		t.Fatal(err)
	}
	_, err = LoadMappings(cfg)
	if err == nil || !strings.Contains(err.Error(), "pipelines[0].company_record.mapping") {
		t.Errorf("error %v; want the missing file named at pipelines[0].company_record.mapping", err)
	}
}

// TestCompanyRecordCheckedLive: validate checks the company mapping against the
// company object's live fields, at the company mapping's place.
func TestCompanyRecordCheckedLive(t *testing.T) {
	hub := hubspottest.NewServer(hubspottest.Options{})
	srv := httptest.NewServer(hub)
	t.Cleanup(srv.Close)
	hub.DefineProperty(hubspottest.Property{Name: "lusha_enriched_at", Type: "datetime", FieldType: "date", GroupName: "contactinformation"})
	cfg := companyConfigAt(t, "object: companies\nmatch: { companyDomain: domain }\nfields:\n  no_such_field: { from: company.description }\n", srv.URL)
	mappings, err := LoadMappings(cfg)
	if err != nil {
		t.Fatal(err)
	}
	problems, err := CheckLive(t.Context(), cfg, mappings, func(string) string { return hub.Token() })
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(problems.Error(), "companies.yaml:4:3") || !strings.Contains(problems.Error(), "no_such_field") {
		t.Errorf("problems %v; want the company mapping's unknown field at companies.yaml:4:3", problems)
	}
}
