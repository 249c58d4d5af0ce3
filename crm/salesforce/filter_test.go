package salesforce_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/salesforce/salesforcetest"
)

// TestChangesLeavesOutConvertedLeads: converted leads stay Lead rows but refuse every
// update (CANNOT_UPDATE_CONVERTED_LEAD), so a Lead read leaves them out in the SOQL,
// before any of them can reach Lusha (salesforce-api.md §7.3, "WHERE IsConverted =
// false"). A converted lead touched later still stays out.
func TestChangesLeavesOutConvertedLeads(t *testing.T) {
	e := setup(t, salesforcetest.Options{})
	open := e.fake.AddLead(map[string]string{"LastName": "Open"})
	won := e.fake.AddLead(map[string]string{"LastName": "Won"})
	if _, _, err := e.fake.Convert(won); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Second)
	pages, err := readAll(t, e.client, crm.ChangesRequest{Object: "Lead", Fields: []string{"LastName"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(pages); !cmp.Equal(got, []string{open}) {
		t.Errorf("read %v, want only the open lead %s", got, open)
	}
}

// TestChangesFilterLiteralsFollowDescribeTypes: Equals values are written in their
// field's SOQL type. The fake refuses a quoted boolean, number or datetime with
// INVALID_FIELD "… should not be enclosed in quotes", as SOQL does (§3.7, §3.8), so
// each of these reads fails if a value is quoted by mistake; a text field keeps its
// quotes even for a value that looks like a boolean.
func TestChangesFilterLiteralsFollowDescribeTypes(t *testing.T) {
	e := setup(t, salesforcetest.Options{})
	e.fake.DefineField("Lead", salesforcetest.Field{Name: "Renewal__c", Type: "date"})
	e.fake.DefineField("Lead", salesforcetest.Field{Name: "Lusha_Enriched_At__c", Type: "datetime"})
	match := e.fake.AddLead(map[string]string{"DoNotCall": "true", "NumberOfEmployees": "12", "Title": "true",
		"Renewal__c": "2026-06-30", "Lusha_Enriched_At__c": "2026-01-01T10:00:00Z"})
	e.fake.AddLead(map[string]string{"DoNotCall": "false", "NumberOfEmployees": "12", "Title": "true",
		"Renewal__c": "2026-06-30", "Lusha_Enriched_At__c": "2026-01-01T10:00:00Z"})
	e.clock.Advance(time.Second)
	equals := map[string]string{"DoNotCall": "TRUE", "numberofemployees": "12", "Title": "true",
		"Renewal__c": "2026-06-30", "Lusha_Enriched_At__c": "2026-01-01T11:00:00+01:00"}
	pages, err := readAll(t, e.client, crm.ChangesRequest{Object: "Lead", Filter: crm.Filter{Equals: equals}})
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(pages); !cmp.Equal(got, []string{match}) {
		t.Errorf("read %v, want [%s]", got, match)
	}
	for field, bad := range map[string]string{"DoNotCall": "yes", "NumberOfEmployees": "twelve",
		"Renewal__c": "30/06/2026", "Lusha_Enriched_At__c": "yesterday"} {
		_, err := readAll(t, e.client, crm.ChangesRequest{Object: "Lead", Filter: crm.Filter{Equals: map[string]string{field: bad}}})
		if crm.ClassOf(err) != crm.ClassInvalid {
			t.Errorf("%s = %q: %v, want an invalid filter", field, bad, err)
		}
	}
}
