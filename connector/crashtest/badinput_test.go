package crashtest

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/leadsync/leadsync/state"
)

type badContact struct {
	name  string
	props map[string]string
}

// badContacts are CRM records a real portal holds sooner or later.
func badContacts() []badContact {
	huge := strings.Repeat("x", 64<<10)
	unicode := strings.Repeat("Zoë Ångström-Łukasiewicz 山田太郎 محمد 🚀", 400)
	return []badContact{
		{"malformed email", map[string]string{"email": "not-an-email", "firstname": "Ann", "lastname": "Lee"}},
		{"double at", map[string]string{"email": "ann@@example..com", "company": "Example"}},
		{"email only a domain", map[string]string{"email": "@example.com"}},
		{"email with spaces", map[string]string{"email": "  ann lee@example.com  ", "website": "not a url"}},
		{"64 KiB name", map[string]string{"firstname": huge, "lastname": huge, "company": "Acme", "website": "https://acme.com"}},
		{"64 KiB email", map[string]string{"email": huge[:64<<10-12] + "@example.com"}},
		{"64 KiB website", map[string]string{"firstname": "Bo", "lastname": "Ek", "website": "https://" + huge[:64<<10-20] + ".com"}},
		{"long unicode name", map[string]string{"firstname": unicode, "lastname": unicode, "company": unicode}},
		{"empty values", map[string]string{"email": "", "firstname": "", "lastname": "", "company": "", "website": ""}},
		{"no properties", map[string]string{}},
		{"whitespace only", map[string]string{"email": " \t ", "firstname": " ", "lastname": "\n"}},
		{"control characters", map[string]string{"firstname": "An\x00n", "lastname": "L\x1bee", "company": "Ac\x7fme", "website": "https://acme.com"}},
		{"invalid utf-8", map[string]string{"firstname": "\xff\xfeAnn", "lastname": "\xc3\x28", "company": "Acme\xed\xa0\x80"}},
		{"linkedin garbage", map[string]string{"hs_linkedin_url": "javascript:alert(1)", "email": "x@y"}},
		{"hand-typed garbage jobs", map[string]string{"email": "ann@example.com", "jobtitle": huge[:1000], "mobilephone": "call me maybe"}},
	}
}

// TestBadInput syncs, in-process, 300 ordinary leads mixed with malformed emails,
// 64 KiB strings, long Unicode names, empty and control-character values.
//
// Proves I7 for data: bad records are handled one by one (done, skipped by rule or
// parked with a reason) and never stop the run or the other records; every ordinary
// lead Lusha knows is enriched.
func TestBadInput(t *testing.T) {
	verifyNoLeaks(t)
	var extras []map[string]string
	var names []string
	for _, b := range badContacts() {
		names = append(names, b.name)
		extras = append(extras, b.props)
	}
	f := newFixture(t, fixtureOptions{Seed: 51, Leads: 300, ExtraContacts: extras})
	eng := f.engine(t)
	statuses := runUntilQuiet(t, eng, 10)
	for s := range statuses {
		if s != "ok" && s != "partial" {
			t.Errorf("a run ended %q: bad records must not stop the run (statuses %v)", s, statuses)
		}
	}
	recs, err := eng.Store.RecordsOf(context.Background(), pipelineName, crmAccount, f.contactIDs())
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.Close(); err != nil {
		t.Fatal(err)
	}
	for i, id := range f.extraIDs {
		r, ok := recs[id]
		switch {
		case !ok:
			t.Errorf("%s (contact %s): no record state", names[i], id)
		case r.Status == state.StatusParked && r.Reason == "":
			t.Errorf("%s (contact %s): parked without a reason", names[i], id)
		default:
			t.Logf("%-24s → %s %s %.120q", names[i], r.Status, r.Class, r.Reason)
		}
	}
	contacts := f.hub.Contacts()
	var missed []string
	for id, p := range f.person {
		if p.Known && !p.Restricted && contacts[id]["lusha_enriched_at"] == "" {
			missed = append(missed, id)
		}
	}
	if len(missed) > 0 {
		slices.Sort(missed)
		t.Errorf("%d ordinary contacts Lusha knows were not enriched next to the bad records, e.g. %s: %s %s %q",
			len(missed), missed[0], recs[missed[0]].Status, recs[missed[0]].Class, recs[missed[0]].Reason)
	}
	f.checkSettled(t)
	f.checkWrites(t)
}
