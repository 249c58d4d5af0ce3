package connector

import (
	"strings"
	"testing"

	"github.com/leadsync/leadsync/mapping"
)

// TestDryRunPlansWithoutTouchingAnything is issue 6's first promise: a dry run sends
// no write to the CRM, moves no cursor, spends nothing, and lists its plan.
func TestDryRunPlansWithoutTouchingAnything(t *testing.T) {
	h := newHarness(t, 80, phonesMapping, harnessOptions{})
	cold := h.run(RunOptions{DryRun: true})
	wouldEnrich := 0
	for _, c := range cold.Changes {
		if c.Action == ActionWouldEnrich {
			wouldEnrich++
			if c.Credits <= 0 {
				t.Errorf("would_enrich %s without a credit estimate", c.RecordID)
			}
		}
	}
	if wouldEnrich != 80 {
		t.Errorf("%d records listed as would_enrich, want 80", wouldEnrich)
	}
	live := h.run(RunOptions{DryRun: true, Live: true})
	writes := 0
	for _, c := range live.Changes {
		if c.Action == mapping.ActionWrite {
			writes++
			if c.Field == "" || c.New == "" {
				t.Errorf("write line without field or value: %+v", c)
			}
		}
	}
	if writes == 0 || live.FieldsWritten != writes {
		t.Errorf("live dry run planned %d writes, summary says %d fields", writes, live.FieldsWritten)
	}
	if n := h.crmWrites.Load(); n != 0 {
		t.Errorf("dry runs sent %d write requests to the CRM", n)
	}
	if cur, _ := h.store.Cursor(t.Context(), "p"); cur != "" {
		t.Errorf("dry run moved the cursor to %q", cur)
	}
	if cold.CreditsSpent != 0 {
		t.Errorf("a dry run without --live spent %d credits", cold.CreditsSpent)
	}
}

// TestMaxCreditsCapsALiveDryRun: --live --max-credits N spends at most N.
func TestMaxCreditsCapsALiveDryRun(t *testing.T) {
	h := newHarness(t, 100, phonesMapping, harnessOptions{})
	sum := h.run(RunOptions{DryRun: true, Live: true, MaxCredits: 12})
	if got := h.lusha.CreditsUsed(); got > 12 || got == 0 || sum.CreditsSpent != got {
		t.Errorf("spent %d (run says %d) with --max-credits 12", got, sum.CreditsSpent)
	}
}

// TestRemapWritesNewFieldsFromCache is issue 6's third promise: after the mapping gains
// a field, --remap writes it for every enriched record and buys nothing.
func TestRemapWritesNewFieldsFromCache(t *testing.T) {
	h := newHarness(t, 90, phonesMapping, harnessOptions{})
	h.run(RunOptions{})
	spent := h.lusha.CreditsUsed()
	h.remap(phonesMapping + "  city: { from: contact.location.city }\n")
	sum := h.run(RunOptions{Remap: true})
	if sum.CreditsSpent != 0 || h.lusha.CreditsUsed() != spent {
		t.Errorf("remap spent %d credits (fake %d → %d)", sum.CreditsSpent, spent, h.lusha.CreditsUsed())
	}
	for _, id := range h.ids {
		c, _ := h.hub.Contact(id)
		p := h.person[id]
		if p.Known && !p.Restricted && c["city"] != p.Location.City {
			t.Errorf("contact %s: city %q after remap, want %q", id, c["city"], p.Location.City)
		}
		if (!p.Known || p.Restricted) && c["city"] != "" {
			t.Errorf("contact %s without an answer got city %q", id, c["city"])
		}
	}
}

// TestOverwriteIfOwned is issue 6's fourth promise (and I3): overwrite_if_owned
// replaces a value leadsync wrote and keeps one a person changed afterwards.
func TestOverwriteIfOwned(t *testing.T) {
	const owned = `object: contacts
match: { email: email }
fields:
  industry: { from: company.industry, policy: overwrite_if_owned }
`
	h := newHarness(t, 40, owned, harnessOptions{})
	h.run(RunOptions{})
	var ours, theirs string
	for _, id := range h.ids {
		if c, _ := h.hub.Contact(id); c["industry"] != "" {
			if ours == "" {
				ours = id
			} else if theirs == "" {
				theirs = id
			}
		}
	}
	if theirs == "" {
		t.Fatal("fewer than two contacts got an industry")
	}
	h.hub.UpdateContact(theirs, map[string]string{"industry": "Typed by a person"})
	h.remap(strings.Replace(owned, "company.industry", "company.subIndustry", 1))
	h.run(RunOptions{Remap: true})
	if c, _ := h.hub.Contact(ours); c["industry"] != h.person[ours].Company.Enriched().SubIndustry {
		t.Errorf("leadsync's own value was not replaced: %q", c["industry"])
	}
	if c, _ := h.hub.Contact(theirs); c["industry"] != "Typed by a person" {
		t.Errorf("a person's value was overwritten: %q", c["industry"])
	}
}

// TestLiveSchemaProblemsAreListed: fields the CRM refuses are invalid in the plan,
// named with the record, and never sent.
func TestLiveSchemaProblemsAreListed(t *testing.T) {
	bad := phonesMapping + "  no_such_field: { from: contact.location.city }\n  hs_email_domain: { from: contact.company.domain }\n"
	h := newHarness(t, 30, bad, harnessOptions{})
	sum := h.run(RunOptions{DryRun: true, Live: true})
	if len(sum.MappingErrors) < 2 {
		t.Fatalf("mapping errors %v, want the missing and the read-only field", sum.MappingErrors)
	}
	for _, e := range sum.MappingErrors {
		if !strings.HasPrefix(e, "mapping.yaml:") {
			t.Errorf("error without a position: %s", e)
		}
	}
	invalid := map[string]int{}
	for _, c := range sum.Changes {
		if c.Action == mapping.ActionInvalid {
			invalid[c.Field]++
			if c.RecordID == "" || c.Reason == "" {
				t.Errorf("invalid line without record or reason: %+v", c)
			}
		}
	}
	if invalid["no_such_field"] == 0 || invalid["hs_email_domain"] == 0 {
		t.Errorf("invalid lines by field: %v", invalid)
	}
	real := h.run(RunOptions{})
	if real.RecordsWritten == 0 || real.RecordsFailed == 0 {
		t.Errorf("a real run should write the good fields and park the records: %+v", real.RunCounts)
	}
}
