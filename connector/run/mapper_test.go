package run

import (
	"strings"
	"testing"

	"github.com/leadsync/leadsync/crm"
)

// checkValue refuses, before anything is sent, what the CRM would refuse: each part
// of a multi-select value must be an option (salesforce-api.md §5.6, hubspot-api.md
// §7.3), and a value must convert to the field's type, since Salesforce fails the
// whole write request over one that does not (§4.6, issue 13). Reasons never repeat
// the value.
func TestCheckValue(t *testing.T) {
	multi := crm.FieldSchema{Type: "enumeration", FieldType: "multipicklist", Options: []string{"Sales", "Finance"}}
	checkbox := crm.FieldSchema{Type: "enumeration", FieldType: "checkbox", Options: []string{"a", "b"}}
	tests := []struct {
		fs    crm.FieldSchema
		value string
		want  string // "" fits; else a part of the reason
	}{
		{multi, "Sales;Finance", ""},
		{multi, "Sales;Secret-Dept", "not an option"},
		{checkbox, "a;b", ""},
		{checkbox, "a;c", "not an option"},
		{crm.FieldSchema{Type: "enumeration", FieldType: "picklist", Options: []string{"Sales"}}, "Sales;Sales", "not an option"},
		{crm.FieldSchema{Type: "bool", FieldType: "boolean"}, "maybe", "true or false"},
		{crm.FieldSchema{Type: "date", FieldType: "date"}, "2026-13-01", "not a date"},
		{crm.FieldSchema{Type: "datetime", FieldType: "datetime"}, "soon", "not a date-time"},
		{crm.FieldSchema{Type: "number", FieldType: "int"}, "12.5", "whole number"},
		{crm.FieldSchema{Type: "number", FieldType: "double"}, "12.5", ""},
		{crm.FieldSchema{Type: "number", FieldType: "double"}, "n/a", "not a number"},
		{crm.FieldSchema{Type: "string", MaxLength: 3}, "abcd", "the field holds 3"},
		{crm.FieldSchema{Type: "string", ReadOnly: true}, "x", "read-only"},
	}
	for _, tt := range tests {
		got := checkValue(tt.fs, tt.value)
		if tt.want == "" && got != "" || tt.want != "" && !strings.Contains(got, tt.want) {
			t.Errorf("checkValue(%s/%s, %q) = %q, want %q", tt.fs.Type, tt.fs.FieldType, tt.value, got, tt.want)
		}
		if got != "" && strings.Contains(got, tt.value) {
			t.Errorf("reason %q repeats the value", got)
		}
	}
}
