package main

import (
	"strings"
	"testing"

	"github.com/leadsync/leadsync/connector"
)

// TestPrintChangesNamesCompanyRecords: a dry run's lines about a people pipeline's
// company records name the company object, since their ids may be people's too.
func TestPrintChangesNamesCompanyRecords(t *testing.T) {
	var b strings.Builder
	printChanges(&b, connector.Summary{Changes: []connector.Change{
		{RecordID: "7", Field: "jobtitle", Action: "write", New: "CTO"},
		{Object: "companies", RecordID: "7", Field: "industry", Action: "write", New: "RETAIL"},
		{Object: "companies", RecordID: "new:acme.com", Action: "would_create_company", New: "acme.com"},
	}})
	out := b.String()
	for _, want := range []string{"  7 ", "companies/7 ", "companies/new:acme.com ", "would_create_company"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
