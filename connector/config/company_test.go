package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// loadText loads a config written to a temporary file; the error is "" when it loads.
func loadText(t *testing.T, text string) (*Config, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "leadsync.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(path, nil)
	if err != nil {
		return nil, strings.ReplaceAll(err.Error(), path+":", "")
	}
	return cfg, ""
}

const companyRecordHead = `lusha: { api_key: "${env:LUSHA_API_KEY}" }
crms:
  hs: { kind: hubspot, token: "${env:HUBSPOT_TOKEN}" }
  sf: { kind: salesforce, login_url: https://acme.my.salesforce.com, client_id: "${env:SF_CLIENT_ID}" }
pipelines:
`

func TestCompanyRecordLoads(t *testing.T) {
	cfg, err := loadText(t, companyRecordHead+`  - name: p
    crm: hs
    object: contacts
    mapping: m.yaml
    company_record: { write: true, mapping: c.yaml }
  - { name: q, crm: sf, object: Contact, mapping: m.yaml }
`)
	if err != "" {
		t.Fatal(err)
	}
	cr := cfg.Pipelines[0].CompanyRecord
	if !cr.On() || cr.Mapping != "c.yaml" || cr.CreateMissing {
		t.Errorf("company_record = %+v; want write, c.yaml, create_missing off by default", cr)
	}
	if cfg.Pipelines[1].CompanyRecord.On() {
		t.Error("a pipeline without company_record writes company records")
	}
}

// TestCompanyRecordErrors: every refusal names its place.
func TestCompanyRecordErrors(t *testing.T) {
	for name, tc := range map[string]struct{ pipeline, want string }{
		"company pipeline": {`  - { name: p, crm: hs, object: companies, mapping: m.yaml, company_record: { write: true, mapping: c.yaml } }`,
			`6:61: pipelines[0].company_record: is for people pipelines: "companies" records of a hubspot CRM belong to no company record (people objects: [contacts])`},
		"account pipeline": {`  - { name: p, crm: sf, object: Account, mapping: m.yaml, company_record: { write: true, mapping: c.yaml } }`,
			`6:59: pipelines[0].company_record: is for people pipelines: "Account" records of a salesforce CRM belong to no company record (people objects: [Contact Lead])`},
		"no mapping": {`  - { name: p, crm: hs, object: contacts, mapping: m.yaml, company_record: { write: true } }`,
			`6:60: pipelines[0].company_record.mapping: must name the company mapping file (object companies)`},
		"create without write": {`  - { name: p, crm: hs, object: contacts, mapping: m.yaml, company_record: { mapping: c.yaml, create_missing: true } }`,
			`6:95: pipelines[0].company_record.create_missing: creating missing companies needs write: true`},
		"create for leads": {`  - { name: p, crm: sf, object: Lead, mapping: m.yaml, company_record: { write: true, mapping: c.yaml, create_missing: true } }`,
			`6:104: pipelines[0].company_record.create_missing: a Lead has no Account until it is converted, so none is created or linked; the Lead's own company fields (its mapping) hold the firmographics`},
		"unknown key": {`  - { name: p, crm: hs, object: contacts, mapping: m.yaml, company_record: { write: true, mapping: c.yaml, create: true } }`,
			`6:108: pipelines[0].company_record.create: unknown key "create", did you mean "create_missing"?`},
		"not a bool": {`  - { name: p, crm: hs, object: contacts, mapping: m.yaml, company_record: { write: maybe, mapping: c.yaml } }`,
			`maybe`},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := loadText(t, companyRecordHead+tc.pipeline+"\n")
			if err == "" {
				t.Fatalf("loaded; want %s", tc.want)
			}
			if name == "not a bool" {
				if !strings.Contains(err, "company_record") {
					t.Errorf("error %q does not name company_record", err)
				}
				return
			}
			if err != tc.want {
				t.Errorf("error:\n%s\nwant:\n%s", err, tc.want)
			}
		})
	}
}

// TestCompanyRecordLead: a Lead pipeline may write company records (it then writes
// none: a Lead has no Account), but creates none.
func TestCompanyRecordLead(t *testing.T) {
	_, err := loadText(t, companyRecordHead+`  - { name: p, crm: sf, object: Lead, mapping: m.yaml, company_record: { write: true, mapping: c.yaml } }
`)
	if err != "" {
		t.Fatal(err)
	}
}
