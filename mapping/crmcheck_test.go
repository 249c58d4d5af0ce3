package mapping

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/leadsync/leadsync/crm"
)

func TestCheckCRM(t *testing.T) {
	m, err := Parse("m.yaml", []byte(`object: contacts
match:
  email: email
  companyDomain: { from: webiste, transform: domain }
fields:
  jobtitle: { from: contact.jobTitle.title, transform: "truncate:300" }
  seniority: { from: contact.jobTitle.seniority, map: { Director: director, VP: vp }, default: other }
  employees: { value: many }
  enriched_on: { value: $now, policy: overwrite }
  createdate: { from: contact.updateDate }
  lastmodified: { from: contact.updateDate, policy: never }
  source: { value: lusha, transform: upper }
  unknown_field: { value: x }
  flag: { value: "yes" }
`), Options{})
	if err != nil {
		t.Fatal(err)
	}
	schema := crm.Schema{Object: "contacts", Fields: map[string]crm.FieldSchema{
		"email":        {Name: "email", Type: "string"},
		"website":      {Name: "website", Type: "string"},
		"jobtitle":     {Name: "jobtitle", Type: "string", MaxLength: 255},
		"seniority":    {Name: "seniority", Type: "enumeration", Options: []string{"director", "other"}},
		"employees":    {Name: "employees", Type: "number"},
		"enriched_on":  {Name: "enriched_on", Type: "date"},
		"createdate":   {Name: "createdate", Type: "datetime", ReadOnly: true},
		"lastmodified": {Name: "lastmodified", Type: "datetime", Calculated: true},
		"source":       {Name: "source", Type: "enumeration", Options: []string{"LUSHA"}},
		"flag":         {Name: "flag", Type: "bool"},
	}}
	err = m.CheckCRM(schema)
	want := "m.yaml:4:26: match.companyDomain: contacts has no field webiste, did you mean website?\n" +
		"m.yaml:6:3: field jobtitle: truncate:300 is longer than the field's 255 characters\n" +
		"m.yaml:7:3: field seniority: \"vp\" is not an option (options: director, other)\n" +
		"m.yaml:8:3: field employees: \"many\" is not a number\n" +
		"m.yaml:9:3: field enriched_on: $now is a date-time and the field is a date: add transform date\n" +
		"m.yaml:10:3: field createdate is read-only in contacts; use policy never to only show it\n" +
		"m.yaml:13:3: contacts has no field unknown_field\n" +
		"m.yaml:14:3: field flag: \"yes\" is not true or false"
	if err == nil {
		t.Fatal("CheckCRM = nil, want errors")
	}
	if diff := cmp.Diff(want, err.Error()); diff != "" {
		t.Errorf("CheckCRM mismatch (-want +got):\n%s", diff)
	}
	schema.Fields["webiste"] = crm.FieldSchema{Name: "webiste"}
	for _, f := range []string{"jobtitle", "seniority", "employees", "enriched_on", "createdate", "unknown_field", "flag"} {
		delete(schema.Fields, f)
	}
	m2, err := Parse("m.yaml", []byte("object: contacts\nmatch: {email: email}\nfields:\n  source: { value: lusha, transform: upper }\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := m2.CheckCRM(schema); err != nil {
		t.Errorf("CheckCRM on a fitting mapping = %v", err)
	}
}
