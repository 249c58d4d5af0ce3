package sandbox_test

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"testing"

	"github.com/nyaruka/phonenumbers"

	"github.com/leadsync/leadsync/connector"
	"github.com/leadsync/leadsync/connector/config"
	"github.com/leadsync/leadsync/connector/sandbox"
	"github.com/leadsync/leadsync/lusha"
	"github.com/leadsync/leadsync/lusha/lushatest"
)

// start runs a sandbox of n leads and builds the engine on its config.
func start(t *testing.T, n int) (*sandbox.Sandbox, *connector.Engine) {
	t.Helper()
	sb := startFakes(t, n)
	return sb, build(t, sb, sb.Environ("127.0.0.1:0"))
}

// startFakes runs a sandbox of n leads: the fakes and the config, no engine yet.
func startFakes(t *testing.T, n int) *sandbox.Sandbox {
	t.Helper()
	sb, err := sandbox.Start(sandbox.Options{Seed: 7, Leads: n, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	return sb
}

// build builds the engine on the sandbox's config with environ.
func build(t *testing.T, sb *sandbox.Sandbox, environ []string) *connector.Engine {
	t.Helper()
	cfg, err := config.Load(sb.Config, environ)
	if err != nil {
		t.Fatal(err)
	}
	getenv := func(k string) string {
		for _, kv := range environ {
			if len(kv) > len(k) && kv[:len(k)] == k && kv[len(k)] == '=' {
				return kv[len(k)+1:]
			}
		}
		return ""
	}
	eng, err := connector.Build(t.Context(), cfg, getenv, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = eng.Close() })
	return eng
}

func syncOnce(t *testing.T, eng *connector.Engine) connector.Summary {
	t.Helper()
	sum, err := eng.Runner.Run(context.Background(), eng.Pipelines[0], connector.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Status != connector.RunOK && sum.Status != connector.RunPartial {
		t.Fatalf("run status %s: %s", sum.Status, sum.Error)
	}
	return sum
}

// TestSandboxEnrichesFromTheWorld is the whole path once (issue 2, points 1 and 2):
// every written value is what the world says through the mapping, no hand-typed value
// is overwritten, a second sync buys and writes nothing, and new contacts are read alone.
func TestSandboxEnrichesFromTheWorld(t *testing.T) {
	sb, eng := start(t, 500)

	first := syncOnce(t, eng)
	if first.RecordsRead != 500 || first.RecordsEnriched < 300 || first.RecordsWritten < 300 || first.CreditsSpent <= 0 {
		t.Fatalf("first sync: %+v", first)
	}
	if got := sb.Lusha.CreditsUsed(); got != first.CreditsSpent {
		t.Errorf("fake Lusha charged %d credits, the run says %d", got, first.CreditsSpent)
	}
	checkContacts(t, sb)

	second := syncOnce(t, eng)
	if second.CreditsSpent != 0 || second.FieldsWritten != 0 {
		t.Errorf("second sync spent %d credits and wrote %d fields, want 0 and 0", second.CreditsSpent, second.FieldsWritten)
	}

	fresh := lushatest.NewWorld(99, 50)
	var people []*lushatest.Person
	for i := range fresh.People {
		people = append(people, &fresh.People[i])
	}
	sb.AddContacts(people)
	third := syncOnce(t, eng)
	if third.RecordsRead != 50 {
		t.Errorf("after 50 new contacts the sync read %d records, want 50", third.RecordsRead)
	}
}

var seniority = map[string]string{"C-Suite": "executive", "Founder": "executive", "Partner": "executive",
	"Vice President": "vp", "Director": "director", "Manager": "manager", "Senior": "senior",
	"Non-Manager": "entry", "Intern": "entry"}

// checkContacts compares every contact in the fake HubSpot with what the world and the
// sandbox mapping say it should hold.
func checkContacts(t *testing.T, sb *sandbox.Sandbox) {
	t.Helper()
	enriched := 0
	for id, got := range sb.HubSpot.Contacts() {
		p := sb.ContactPerson[id]
		hand := sb.HandFilled[id]
		for field, v := range hand {
			if got[field] != v {
				t.Errorf("contact %s: hand-typed %s %q was overwritten with %q", id, field, v, got[field])
			}
		}
		if !p.Known || p.Restricted {
			if got["lusha_enriched_at"] != "" {
				t.Errorf("contact %s: unknown or restricted person was enriched", id)
			}
			continue
		}
		if got["lusha_enriched_at"] == "" {
			t.Errorf("contact %s: known person %s was not enriched", id, p.ID)
			continue
		}
		enriched++
		want := map[string]string{
			"jobtitle":        p.JobTitle,
			"city":            p.Location.City,
			"country":         p.Location.Country,
			"hs_linkedin_url": p.LinkedinURL,
			"seniority_level": cmpOr(seniority[p.Seniority], "other"),
			"industry":        p.Company.Enriched().Industry,
			"mobilephone":     mobile(t, p),
		}
		for field, w := range want {
			if _, typed := hand[field]; typed {
				continue
			}
			if got[field] != w {
				t.Errorf("contact %s (%s): %s = %q, want %q", id, p.ID, field, got[field], w)
			}
		}
	}
	if enriched == 0 {
		t.Fatal("no contact was enriched")
	}
}

// mobile is the E.164 form of the person's first mobile phone, or "" when it is
// marked do-not-call or there is none.
func mobile(t *testing.T, p *lushatest.Person) string {
	i := slices.IndexFunc(p.Phones, func(ph lusha.Phone) bool { return ph.Type == "mobile" })
	if i < 0 || p.Phones[i].DoNotCall {
		return ""
	}
	num, err := phonenumbers.Parse(p.Phones[i].Number, "US")
	if err != nil {
		t.Fatalf("world phone %q: %v", p.Phones[i].Number, err)
	}
	return phonenumbers.Format(num, phonenumbers.E164)
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// TestDryRun proves I4: a dry run writes nothing and moves no cursor; it buys nothing
// unless --live, and what a live dry run bought is reused by the real run.
func TestDryRun(t *testing.T) {
	sb, eng := start(t, 120)
	p := eng.Pipelines[0]
	ctx := context.Background()

	dry, err := eng.Runner.Run(ctx, p, connector.RunOptions{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if dry.CreditsSpent != 0 || sb.Lusha.CreditsUsed() != 0 {
		t.Errorf("dry run spent %d credits (fake: %d)", dry.CreditsSpent, sb.Lusha.CreditsUsed())
	}
	live, err := eng.Runner.Run(ctx, p, connector.RunOptions{DryRun: true, Live: true})
	if err != nil {
		t.Fatal(err)
	}
	if live.CreditsSpent == 0 || live.RecordsWritten == 0 || len(live.FieldActions) == 0 {
		t.Errorf("live dry run: %+v", live)
	}
	for id, c := range sb.HubSpot.Contacts() {
		if c["lusha_enriched_at"] != "" {
			t.Fatalf("dry run wrote to contact %s", id)
		}
	}
	if cur, err := eng.Store.Cursor(ctx, p.Name); err != nil || cur != "" {
		t.Fatalf("dry run moved the cursor to %q (%v)", cur, err)
	}
	bought := sb.Lusha.CreditsUsed()
	real := syncOnce(t, eng)
	if real.RecordsWritten != live.RecordsWritten {
		t.Errorf("real run wrote %d records, the live dry run predicted %d", real.RecordsWritten, live.RecordsWritten)
	}
	if sb.Lusha.CreditsUsed() != bought || real.CreditsSpent != 0 {
		t.Errorf("real run after a live dry run spent %d credits (fake went %d → %d)", real.CreditsSpent, bought, sb.Lusha.CreditsUsed())
	}
}

var sfSeniority = map[string]string{"C-Suite": "C-Level", "Founder": "C-Level", "Partner": "C-Level",
	"Vice President": "VP", "Director": "Director", "Manager": "Manager"}

// TestSandboxSalesforce is issue 5's first promise: the Salesforce Lead pipeline reads
// every lead and writes exactly what the world and the mapping say, never over a
// hand-typed value.
func TestSandboxSalesforce(t *testing.T) {
	sb, eng := start(t, 500)
	sum := runSalesforce(t, sb, eng)
	if sum.RecordsRead != 500 || sum.RecordsWritten < 300 {
		t.Fatalf("salesforce run: %+v", sum)
	}
	enriched := 0
	for id, person := range sb.LeadPerson {
		got := sb.Salesforce.Lead(id)
		hand := sb.LeadHandFilled[id]
		for f, v := range hand {
			if got[f] != v {
				t.Errorf("lead %s: hand-typed %s %q overwritten with %q", id, f, v, got[f])
			}
		}
		if !person.Known || person.Restricted {
			if got["Lusha_Enriched_At__c"] != "" {
				t.Errorf("lead %s: unknown or restricted person enriched", id)
			}
			continue
		}
		enriched++
		want := map[string]string{
			"Title":        person.JobTitle,
			"City":         person.Location.City,
			"Country":      person.Location.Country,
			"Seniority__c": cmpOr(sfSeniority[person.Seniority], "Individual Contributor"),
			"Industry":     person.Company.Enriched().Industry,
			"MobilePhone":  mobile(t, person),
		}
		for f, w := range want {
			if _, typed := hand[f]; typed {
				continue
			}
			if got[f] != w {
				t.Errorf("lead %s: %s = %q, want %q", id, f, got[f], w)
			}
		}
		if got["Lusha_Enriched_At__c"] == "" {
			t.Errorf("lead %s: not marked enriched", id)
		}
	}
	if enriched < 300 {
		t.Errorf("%d leads enriched", enriched)
	}
}

// salesforcePipeline is the sandbox's Salesforce Lead pipeline.
func salesforcePipeline(t *testing.T, eng *connector.Engine) *connector.Pipeline {
	t.Helper()
	p, ok := eng.Pipeline("salesforce-leads")
	if !ok {
		t.Fatal("no salesforce-leads pipeline in the sandbox")
	}
	return p
}

// runSalesforce runs the Salesforce pipeline once, after the org's current second
// (a read never takes the second still going on).
func runSalesforce(t *testing.T, sb *sandbox.Sandbox, eng *connector.Engine) connector.Summary {
	t.Helper()
	sb.Settle()
	sum, err := eng.Runner.Run(context.Background(), salesforcePipeline(t, eng), connector.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return sum
}
