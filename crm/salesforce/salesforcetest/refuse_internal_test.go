package salesforcetest

import (
	"testing"
	"time"
)

// TestRefuseUpdateOfConvertedLead: updating a converted lead fails per record with
// CANNOT_UPDATE_CONVERTED_LEAD, "cannot reference converted lead" (help.salesforce.com
// KB 000384333; observed in gravityplus/Gravity-Forms-Salesforce#342). Other leads,
// and other objects, may be updated.
func TestRefuseUpdateOfConvertedLead(t *testing.T) {
	s := NewServer(Options{Clock: func() time.Time { return time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) }})
	won, open := s.AddLead(nil), s.AddLead(nil)
	contact, _, err := s.Convert(won)
	if err != nil {
		t.Fatal(err)
	}
	leads := s.objects["lead"]
	errs := leads.refuseUpdate(leads.lookup(won))
	if len(errs) != 1 || errs[0].StatusCode != "CANNOT_UPDATE_CONVERTED_LEAD" || errs[0].Message != "cannot reference converted lead" {
		t.Errorf("converted lead: %+v", errs)
	}
	if errs := leads.refuseUpdate(leads.lookup(open)); errs != nil {
		t.Errorf("open lead refused: %+v", errs)
	}
	contacts := s.objects["contact"]
	if errs := contacts.refuseUpdate(contacts.lookup(contact)); errs != nil {
		t.Errorf("the contact made by the conversion refused: %+v", errs)
	}
}
