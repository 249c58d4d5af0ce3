package connector

import (
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leadsync/leadsync/connector/config"
	"github.com/leadsync/leadsync/connector/observe"
	"github.com/leadsync/leadsync/connector/run"
	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/hubspot/hubspottest"
	"github.com/leadsync/leadsync/lusha"
	"github.com/leadsync/leadsync/lusha/lushatest"
	"github.com/leadsync/leadsync/mapping"
	"github.com/leadsync/leadsync/state"
)

const refreshMapping = `object: contacts
match: { email: email, firstName: firstname, lastName: lastname, companyDomain: { from: website, transform: domain } }
fields:
  jobtitle: { from: contact.jobTitle.title, policy: overwrite_if_owned }
  company: { from: contact.company.name, policy: overwrite_if_owned }
  phone: { from: "contact.phones[0].number", transform: e164 }
  lusha_enriched_at: { value: $now, policy: overwrite }
`

// refreshHarness is a harness whose clock the test moves, with a daily budget of
// perDay credits of which refreshes may spend refreshPerDay.
func refreshHarness(t *testing.T, perDay, refreshPerDay int) (*harness, *atomic.Int64) {
	t.Helper()
	var clock atomic.Int64
	clock.Store(time.Now().UTC().UnixNano())
	now := func() time.Time { return time.Unix(0, clock.Load()).UTC() }
	h := newHarness(t, 40, refreshMapping, harnessOptions{now: now, budget: config.Budget{CreditsPerDay: perDay}})
	h.pipe.Refresh = &run.Refresh{After: 72 * time.Hour, PerDay: refreshPerDay}
	return h, &clock
}

// pickPeople returns the first contact whose person matches ok, and that person.
func (h *harness) pickPerson(t *testing.T, skip []string, ok func(p *lushatest.Person) bool) (string, *lushatest.Person) {
	t.Helper()
	for _, id := range h.ids {
		if p := h.person[id]; !slices.Contains(skip, id) && p.Known && !p.Restricted && ok(p) {
			return id, p
		}
	}
	t.Fatal("no such person in the world")
	return "", nil
}

// TestRefreshSpendsOnlyOnChangedData: three days after the first sync, with
// refresh_after 72h, a run enriches every enriched person again by their Lusha id,
// without a search: a person who changed jobs gets the new title (leadsync wrote
// the old one; the company a human typed stays, under overwrite_if_owned) at no
// cost, as their data points were revealed before; a person who gained a phone costs that phone (the only credits
// spent); everyone else costs nothing and their records stay as they were. The
// next run finds nothing due.
func TestRefreshSpendsOnlyOnChangedData(t *testing.T) {
	h, clock := refreshHarness(t, 100_000, 20_000)
	h.runner.Metrics = observe.NewMetrics()
	first := h.run(RunOptions{})
	if first.RecordsEnriched == 0 || first.Refreshed != 0 {
		t.Fatalf("first run: %+v", first)
	}
	moverID, mover := h.pickPerson(t, nil, func(p *lushatest.Person) bool { return len(p.Phones) > 0 })
	gainerID, gainer := h.pickPerson(t, nil, func(p *lushatest.Person) bool { return len(p.Phones) == 0 })
	before := h.hub.Contacts()
	to := &h.world.Companies[0]
	if to == mover.Company {
		to = &h.world.Companies[1]
	}
	if _, err := h.lusha.MovePerson(mover.ID, to.ID, "VP Refreshed Things"); err != nil {
		t.Fatal(err)
	}
	if err := h.lusha.AddPhone(gainer.ID, lusha.Phone{Number: "+14155550199", Type: "mobile"}); err != nil {
		t.Fatal(err)
	}

	// Two days on nothing is due.
	clock.Add(int64(48 * time.Hour))
	sentBefore := len(h.sent())
	if sum := h.run(RunOptions{}); sum.Refreshed != 0 || h.contactCalls(sentBefore) != 0 {
		t.Fatalf("before refresh_after: %+v, Lusha calls %v", sum, h.pathsSent()[sentBefore:])
	}

	clock.Add(int64(25 * time.Hour))
	charged := len(h.lusha.Charges())
	sum := h.run(RunOptions{})
	if sum.Status != RunOK || sum.Refreshed != first.RecordsEnriched {
		t.Fatalf("refresh run: %+v; want the %d people enriched before refreshed", sum, first.RecordsEnriched)
	}
	for _, r := range h.sent()[sentBefore:] {
		if strings.HasPrefix(r.Path, "/v3/contacts/") && r.Path != "/v3/contacts/enrich" {
			t.Errorf("a refresh called %s; it should only enrich by id", r.Path)
		}
	}
	var spent []lushatest.ChargedItem
	for _, c := range h.lusha.Charges()[charged:] {
		spent = append(spent, c.Items...)
	}
	if len(spent) != 1 || spent[0].ID != gainer.ID || spent[0].Credits != 5 || sum.CreditsSpent != 5 {
		t.Errorf("refresh paid for %+v (%d credits); want only the new phone of %s", spent, sum.CreditsSpent, gainer.ID)
	}

	after := h.hub.Contacts()
	// The title was leadsync's and is overwritten; the company was there before
	// leadsync (seeded, as a human would type it) and overwrite_if_owned keeps it.
	if got := after[moverID]; got["jobtitle"] != "VP Refreshed Things" || got["company"] != before[moverID]["company"] {
		t.Errorf("the mover's record after the refresh = %v", got)
	}
	if got := after[gainerID]["phone"]; got != "+14155550199" {
		t.Errorf("the new phone was not written: %q", got)
	}
	for id, was := range before {
		if id == moverID || id == gainerID {
			continue
		}
		for _, f := range []string{"jobtitle", "company", "phone"} {
			if after[id][f] != was[f] {
				t.Errorf("contact %s: %s changed from %q to %q though nothing changed at Lusha", id, f, was[f], after[id][f])
			}
		}
	}
	if n, err := h.store.CreditsSpentOn(t.Context(), " (refresh)", time.Unix(0, clock.Load()).Truncate(24*time.Hour)); err != nil || n != 5 {
		t.Errorf("refresh spend in the state = %d, %v; want 5", n, err)
	}

	rec := httptest.NewRecorder()
	h.runner.Metrics.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if want := fmt.Sprintf(`leadsync_refreshed_records_total{pipeline="p",trigger="schedule"} %d`, sum.Refreshed); !strings.Contains(rec.Body.String(), want) {
		t.Errorf("/metrics lacks %s", want)
	}

	sentBefore = len(h.sent())
	if sum := h.run(RunOptions{}); sum.Refreshed != 0 || h.contactCalls(sentBefore) != 0 {
		t.Errorf("right after the refresh: %+v, Lusha calls %v; want nothing due", sum, h.pathsSent()[sentBefore:])
	}
}

const refreshEmailMapping = refreshMapping + `  lusha_email: { from: "contact.emails[0].email" }
`

// TestRefreshKeepsToItsShare: with a refresh share smaller than a phone, every
// person is still refreshed, for free: those whose phones were bought before in
// full, the others with the emails the account owns only. A phone that appeared
// since is not bought (the share cannot pay for it), its field stays empty, and
// nothing is parked.
func TestRefreshKeepsToItsShare(t *testing.T) {
	var clock atomic.Int64
	clock.Store(time.Now().UTC().UnixNano())
	h := newHarness(t, 40, refreshEmailMapping, harnessOptions{now: func() time.Time { return time.Unix(0, clock.Load()).UTC() },
		budget: config.Budget{CreditsPerDay: 100_000}})
	h.hub.DefineProperty(hubspottest.Property{Name: "lusha_email", Type: "string", FieldType: "text", GroupName: "contactinformation"})
	h.pipe.Refresh = &run.Refresh{After: 72 * time.Hour, PerDay: 4}
	first := h.run(RunOptions{})
	gainerID, gainer := h.pickPerson(t, nil, func(p *lushatest.Person) bool { return len(p.Phones) == 0 })
	if err := h.lusha.AddPhone(gainer.ID, lusha.Phone{Number: "+14155550199", Type: "mobile"}); err != nil {
		t.Fatal(err)
	}
	clock.Add(int64(73 * time.Hour))
	charged, sent := h.creditsCharged(), len(h.sent())
	sum := h.run(RunOptions{})
	if sum.Status != RunOK || sum.CreditsSpent != 0 || h.creditsCharged() != charged || sum.Refreshed != first.RecordsEnriched {
		t.Fatalf("refresh within a share of 4: %+v, %d credits charged; want all %d refreshed for free",
			sum, h.creditsCharged()-charged, first.RecordsEnriched)
	}
	for _, r := range h.sent()[sent:] {
		if r.Path == "/v3/contacts/enrich" && strings.Contains(r.Body, gainer.ID) && strings.Contains(r.Body, "phones") {
			t.Errorf("the refresh asked for %s's phones, which the share cannot pay: %s", gainer.ID, r.Body)
		}
	}
	if got, _ := h.hub.Contact(gainerID); got["phone"] != "" {
		t.Errorf("the new phone was written without being paid for: %q", got["phone"])
	}
	st, err := h.store.Stats(t.Context(), "p")
	if err != nil || len(st.Records["parked"]) != 0 {
		t.Errorf("records parked by the refresh: %v, %v", st.Records, err)
	}
}

func (h *harness) pathsSent() []string {
	var out []string
	for _, r := range h.sent() {
		out = append(out, r.Path)
	}
	return out
}

// contactCalls counts the contact calls sent to Lusha since the from'th request.
func (h *harness) contactCalls(from int) int {
	n := 0
	for _, r := range h.sent()[from:] {
		if strings.HasPrefix(r.Path, "/v3/contacts/") {
			n++
		}
	}
	return n
}

// creditsCharged sums what the fake Lusha charged so far.
func (h *harness) creditsCharged() int {
	n := 0
	for _, c := range h.lusha.Charges() {
		n += c.Credits
	}
	return n
}

// TestRefreshAfterTheAnswersExpired: refresh_after is usually longer than
// cache_ttl, so the cached answers are gone when records fall due. The refresh
// then finds each person's Lusha id, and the data points bought of them, in the
// ledger (a phone written from contact.phones means phones were bought): with a
// share too small for a phone, exactly the people whose phone leadsync wrote are
// refreshed, for nothing. A person forgotten meanwhile is not asked about.
func TestRefreshAfterTheAnswersExpired(t *testing.T) {
	h, clock := refreshHarness(t, 100_000, 4)
	h.pipe.CacheTTL = 48 * time.Hour
	h.run(RunOptions{})
	withPhones := 0
	for _, id := range h.ids {
		if p := h.person[id]; p.Known && !p.Restricted && len(p.Phones) > 0 {
			withPhones++
		}
	}
	clock.Add(int64(73 * time.Hour))
	now := time.Unix(0, clock.Load()).UTC()
	if n, err := h.store.PurgeExpired(t.Context(), now); err != nil || n == 0 {
		t.Fatalf("PurgeExpired = %d, %v; want the answers gone", n, err)
	}
	forgottenID, forgotten := h.pickPerson(t, nil, func(p *lushatest.Person) bool { return len(p.Phones) > 0 })
	if _, err := h.store.ForgetPerson(t.Context(), state.Forget{LushaIDs: []string{forgotten.ID}, At: now}); err != nil {
		t.Fatal(err)
	}
	sent, charged := len(h.sent()), h.creditsCharged()
	sum := h.run(RunOptions{})
	if sum.Status != RunOK || sum.Refreshed != withPhones-1 || sum.CreditsSpent != 0 || h.creditsCharged() != charged {
		t.Fatalf("refresh after expiry: %+v (%d charged); want the %d other people with phones refreshed for nothing",
			sum, h.creditsCharged()-charged, withPhones-1)
	}
	for _, r := range h.sent()[sent:] {
		if strings.Contains(r.Body, `"`+forgotten.ID+`"`) {
			t.Errorf("the refresh asked Lusha about %s (contact %s), who was forgotten: %s", forgotten.ID, forgottenID, r.Body)
		}
	}
}

// TestRefreshLeavesTheOldCompanyRecordAlone: a person whose company record
// (company_record) leadsync wrote moves to another company. The refresh updates
// the person's title (a refresh, like the retry queue, leaves company records to
// the change stream). The CRM still links them to the old company record: when a
// human's edit brings the person through the change stream with the refreshed
// answer, the new company's firmographics must not overwrite the old record.
func TestRefreshLeavesTheOldCompanyRecordAlone(t *testing.T) {
	h, clock := refreshHarness(t, 100_000, 20_000)
	f := h.withCompanies(false)
	m, err := mapping.Parse("companies.yaml", []byte(`object: companies
match: { companyDomain: { from: domain, transform: domain }, companyName: name }
fields:
  numberofemployees: { from: company.employeeCount.exact, policy: overwrite_if_owned }
  description: { from: company.description, policy: overwrite_if_owned }
`), mapping.Options{Schema: AnswerSchema()})
	if err != nil {
		t.Fatal(err)
	}
	h.pipe.Companies.Mapping = m
	h.pipe.Filter = crm.Filter{} // the stream reads every change, a human's edit too
	companyID, people := h.oneCompany(1, nil)
	h.run(RunOptions{})
	before, _ := h.hub.Company(companyID)
	if f.writes(companyID) != 1 || before["description"] == "" {
		t.Fatalf("company record after the first run: %d writes, %v", f.writes(companyID), before)
	}
	mover := h.person[people[0]]
	if _, err := h.lusha.MovePerson(mover.ID, h.world.Companies[1].ID, "Head of Elsewhere"); err != nil {
		t.Fatal(err)
	}
	clock.Add(int64(73 * time.Hour))
	sum := h.run(RunOptions{})
	if sum.Refreshed == 0 {
		t.Fatalf("nothing refreshed: %+v", sum)
	}
	if got, _ := h.hub.Contact(people[0]); got["jobtitle"] != "Head of Elsewhere" {
		t.Errorf("the mover's title = %q", got["jobtitle"])
	}
	h.hub.UpdateContact(people[0], map[string]string{"phone": "+15550100001"}) // a human's edit
	h.settle()
	clock.Add(int64(time.Hour))
	if sum := h.run(RunOptions{}); sum.RecordsRead != 1 {
		t.Fatalf("the edited person was not read again: %+v", sum)
	}
	after, _ := h.hub.Company(companyID)
	if f.writes(companyID) != 1 || after["description"] != before["description"] ||
		after["numberofemployees"] != before["numberofemployees"] {
		t.Errorf("the old company record was written from the new company: %d writes, %v -> %v",
			f.writes(companyID), before, after)
	}
}
