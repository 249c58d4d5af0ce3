package config

import "testing"

func TestCompanyObjectProblem(t *testing.T) {
	tests := []struct {
		kind, object string
		bad          bool
	}{
		{"hubspot", "companies", false},
		{"salesforce", "Account", false},
		{"hubspot", "contacts", false},
		{"salesforce", "Lead", false},
		{"hubspot", "Account", true},
		{"salesforce", "companies", true},
		{"salesforce", "account", true}, // the mapping would not be a company mapping
		{"hubspot", "Companies", true},
		{"", "Account", false}, // an undefined CRM is reported on its own
	}
	for _, tt := range tests {
		if got := companyObjectProblem(tt.kind, tt.object); (got != "") != tt.bad {
			t.Errorf("%s %s: %q, want a problem: %v", tt.kind, tt.object, got, tt.bad)
		}
	}
}
