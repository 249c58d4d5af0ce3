package mapping

import (
	"strings"
	"testing"

	"github.com/leadsync/leadsync/crm"
)

func TestMisfit(t *testing.T) {
	multiSF := crm.FieldSchema{Type: "enumeration", FieldType: "multipicklist", Options: []string{"Sales", "Finance"}}
	multiHS := crm.FieldSchema{Type: "enumeration", FieldType: "checkbox", Options: []string{"a", "b"}}
	single := crm.FieldSchema{Type: "enumeration", FieldType: "picklist", Options: []string{"a", "b"}}
	integer := crm.FieldSchema{Type: "number", FieldType: "int"}
	decimal := crm.FieldSchema{Type: "number", FieldType: "currency"}
	tests := []struct {
		fs    crm.FieldSchema
		value string
		why   string // "" fits
	}{
		{multiSF, "Sales;Finance", ""},
		{multiSF, "Sales", ""},
		{multiSF, "Sales;Marketing", "is not an option"},
		{multiSF, "Sales;", "is not an option"}, // an empty part is no option
		{multiHS, "b;a", ""},
		{multiHS, "a;zzz", "is not an option"},
		{single, "a;b", "is not an option"}, // a single-select takes one option
		{crm.FieldSchema{Type: "enumeration", FieldType: "checkbox"}, "anything;else", ""},
		{integer, "250", ""},
		{integer, "250.0", ""},
		{integer, "12.5", "is not a whole number within the field's range"},
		{integer, "3000000000", "is not a whole number within the field's range"},
		{decimal, "12.5", ""},
		{decimal, "1,000", "is not a number"},
		{crm.FieldSchema{Type: "bool"}, "TRUE", ""},
		{crm.FieldSchema{Type: "bool"}, "yes", "is not true or false"},
		{crm.FieldSchema{Type: "date"}, "2026-03-01", ""},
		{crm.FieldSchema{Type: "date"}, "1430438400000", ""},
		{crm.FieldSchema{Type: "date"}, "1430438400123", "is not a date (YYYY-MM-DD)"},
		{crm.FieldSchema{Type: "date"}, "01/03/2026", "is not a date (YYYY-MM-DD)"},
		{crm.FieldSchema{Type: "datetime"}, "2026-03-01T12:00:00.000Z", ""},
		{crm.FieldSchema{Type: "datetime"}, "1430438400123", ""},
		{crm.FieldSchema{Type: "datetime"}, "yesterday", "is not a date-time (ISO 8601 with a zone, or epoch milliseconds)"},
		{crm.FieldSchema{Type: "string"}, "anything", ""},
		{integer, "", ""}, // clearing always fits
	}
	for _, tt := range tests {
		if got := Misfit(tt.fs, tt.value); got != tt.why {
			t.Errorf("Misfit(%s/%s, %q) = %q, want %q", tt.fs.Type, tt.fs.FieldType, tt.value, got, tt.why)
		}
	}
}

// Validation against the CRM checks each part of a multi-select value: a valid join
// fits, a bad part is named (salesforce-api.md §5.6; hubspot-api.md §7.3).
func TestCheckCRMMultiSelect(t *testing.T) {
	m, err := Parse("m.yaml", []byte(`object: Lead
match: { email: Email }
fields:
  Departments__c: { from: contact.jobTitle.departments, transform: "join:;" }
  Both__c: { value: "Sales;Finance" }
  Tags__c: { value: "Sales;Marketing" }
  Single__c: { value: "Sales;Finance" }
`), Options{})
	if err != nil {
		t.Fatal(err)
	}
	opts := []string{"Sales", "Finance"}
	err = m.CheckCRM(crm.Schema{Object: "Lead", Fields: map[string]crm.FieldSchema{
		"Email":          {Name: "Email", Type: "string"},
		"Departments__c": {Name: "Departments__c", Type: "enumeration", FieldType: "multipicklist", Options: opts},
		"Both__c":        {Name: "Both__c", Type: "enumeration", FieldType: "multipicklist", Options: opts},
		"Tags__c":        {Name: "Tags__c", Type: "enumeration", FieldType: "multipicklist", Options: opts},
		"Single__c":      {Name: "Single__c", Type: "enumeration", FieldType: "picklist", Options: opts},
	}})
	want := "m.yaml:6:3: field Tags__c: \"Sales;Marketing\": \"Marketing\" is not an option (options: Sales, Finance)\n" +
		"m.yaml:7:3: field Single__c: \"Sales;Finance\" is not an option (options: Sales, Finance)"
	if err == nil || err.Error() != want {
		t.Errorf("CheckCRM =\n%v\nwant\n%s", err, want)
	}
	if err != nil && strings.Contains(err.Error(), "Both__c") {
		t.Error("a valid joined value was refused")
	}
}
