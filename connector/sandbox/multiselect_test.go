package sandbox_test

import (
	"context"
	"strings"
	"testing"

	"github.com/leadsync/leadsync/connector"
)

// TestSandboxMultiSelect: the sandbox world holds multi-select values (issue 13,
// Salesforce 5). The Salesforce mapping fills the Technologies__c multi-select
// picklist with the company's technologies joined by ";"; each part is checked
// against the restricted picklist's options, not the joined string, so every
// enriched lead holds its company's technologies and none is refused for them.
func TestSandboxMultiSelect(t *testing.T) {
	sb, eng := start(t, 120)
	p, ok := eng.Pipeline("salesforce-leads")
	if !ok {
		t.Fatal("no salesforce-leads pipeline in the sandbox")
	}
	sb.Settle()
	sum, err := eng.Runner.Run(context.Background(), p, connector.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	joined := 0
	for id, person := range sb.LeadPerson {
		got := sb.Salesforce.Lead(id)
		if !person.Known || person.Restricted {
			continue
		}
		want := strings.Join(person.Company.Technologies, ";")
		if got["Technologies__c"] != want {
			t.Errorf("lead %s: Technologies__c = %q, want %q", id, got["Technologies__c"], want)
		}
		if strings.Count(want, ";") > 0 {
			joined++
		}
	}
	if joined == 0 {
		t.Fatalf("no lead holds a multi-select value of several parts: it proves nothing (%+v)", sum)
	}
	if mp := sum.MappingErrors; len(mp) > 0 {
		t.Errorf("the mapping does not fit the org: %v", mp)
	}
}
