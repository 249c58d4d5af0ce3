package connector

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/leadsync/leadsync/configs"
	"github.com/leadsync/leadsync/connector/signals"
	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/hubspot/hubspottest"
	"github.com/leadsync/leadsync/lusha"
	"github.com/leadsync/leadsync/lusha/lushatest"
	"github.com/leadsync/leadsync/mapping"
	"github.com/leadsync/leadsync/state"
)

const signalsMapping = `object: contacts
match: { email: email, firstName: firstname, lastName: lastname, companyDomain: { from: website, transform: domain } }
fields:
  jobtitle: { from: contact.jobTitle.title, policy: overwrite_if_owned }
  company: { from: contact.company.name, policy: overwrite_if_owned }
  phone: { from: "contact.phones[0].number", transform: e164 }
  lusha_enriched_at: { value: $now, policy: overwrite }
signals:
  companyChange:
    job_changed_on: { from: signal.signalDate, policy: overwrite }
    previous_company: { from: signal.previousCompanyName, policy: overwrite }
    previous_domain: { from: signal.previousDomain }
`

// TestJobChangeSignalUpdatesTheRecord: a person leadsync enriched moves to another
// company, and Lusha delivers, signed, the companyChange signal to the real
// receiver. With no budget left, the action waits: nothing is bought or written
// and the delivery stays received. With budget, the processor re-enriches the
// person and writes their record under the mapping's policies (the title
// leadsync wrote is replaced; the company a human typed and the phone a human
// changed are kept) plus the signal's writes, every ledger row carrying the
// signal's id (a signal field with no value is left alone). The next run of the
// pipeline knows the signal's write for its own echo.
func TestJobChangeSignalUpdatesTheRecord(t *testing.T) {
	ctx := t.Context()
	h, id, p := enrichedForSignals(t)
	before, _ := h.hub.Contact(id)
	if before["jobtitle"] != p.JobTitle || before["company"] != p.Company.Name {
		t.Fatalf("contact %s was not enriched as expected: %v", id, before)
	}
	h.hub.UpdateContact(id, map[string]string{"phone": "+15550100000"}) // typed by a human
	oldCompany := h.move(p, "Chief Signals Officer")

	proc := h.jobChanges()
	payloadID := h.deliverSignal(t, p, map[string]any{"personId": p.ID, "currentCompanyName": p.Company.Name,
		"currentTitle": p.JobTitle, "previousCompanyName": oldCompany.Name, "signalDate": "2026-11-30"})

	// The answer expired meanwhile, so the person must be searched for again
	// (a credit); with no budget left, the action waits, and buys nothing.
	if _, err := h.store.PurgeExpired(ctx, time.Now().Add(365*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	h.settings.Lusha.CreditsPerDay = 1
	if err := h.accts.Apply(h.settings); err != nil {
		t.Fatal(err)
	}
	charges := len(h.lusha.Charges())
	if n, err := proc.Drain(ctx); err != nil || n != 0 {
		t.Fatalf("without budget, Drain settled %d (%v); want the delivery left for later", n, err)
	}
	if got := len(h.lusha.Charges()); got != charges {
		t.Errorf("without budget, %d purchases were made", got-charges)
	}
	if left, err := h.store.Unprocessed(ctx, 10); err != nil || len(left) != 1 {
		t.Fatalf("inbox after the deferred action: %v, %v; want the delivery still received", left, err)
	}
	if now, _ := h.hub.Contact(id); now["jobtitle"] != before["jobtitle"] || now["job_changed_on"] != "" {
		t.Errorf("without budget, the record was written: %v", now)
	}

	h.settings.Lusha.CreditsPerDay = 0
	if err := h.accts.Apply(h.settings); err != nil {
		t.Fatal(err)
	}
	if n, err := proc.Drain(ctx); err != nil || n != 1 {
		t.Fatalf("Drain settled %d (%v); want the signal", n, err)
	}
	after, _ := h.hub.Contact(id)
	want := map[string]string{"jobtitle": "Chief Signals Officer", "company": before["company"], "phone": "+15550100000",
		"job_changed_on": "2026-11-30", "previous_company": oldCompany.Name}
	for f, v := range want {
		if after[f] != v {
			t.Errorf("after the signal, %s = %q; want %q", f, after[f], v)
		}
	}
	runs, err := h.store.Runs(ctx, "p", 1)
	if err != nil || len(runs) != 1 {
		t.Fatalf("runs: %v, %v", runs, err)
	}
	rows, err := h.store.Ledger(ctx, runs[0].RunID, 100)
	if err != nil {
		t.Fatal(err)
	}
	wrote := map[string]bool{}
	for _, r := range rows {
		wrote[r.Field] = true
		if r.SignalID != payloadID || r.CRMID != id || r.LushaID != p.ID {
			t.Errorf("ledger row %+v: want signal %s, record %s, Lusha id %s", r, payloadID, id, p.ID)
		}
	}
	for _, f := range []string{"jobtitle", "job_changed_on", "previous_company", "lusha_enriched_at"} {
		if !wrote[f] {
			t.Errorf("no ledger row for %s (rows: %+v)", f, rows)
		}
	}
	if counts, err := h.store.InboxCounts(ctx); err != nil || counts[state.InboxApplied] != 1 {
		t.Errorf("InboxCounts = %v, %v; want the signal applied", counts, err)
	}

	if n, err := proc.Drain(ctx); err != nil || n != 0 {
		t.Errorf("a second pass settled %d (%v)", n, err)
	}
	// The next run of the pipeline, filter or not, knows the signal's write for
	// its own echo and writes nothing.
	h.settle()
	h.pipe.Filter = crm.Filter{}
	writes := h.crmWrites.Load()
	if sum := h.run(RunOptions{}); sum.RecordsWritten != 0 || h.crmWrites.Load() != writes {
		t.Errorf("the next run wrote %d records (%+v)", sum.RecordsWritten, sum)
	}
}

// TestSignalEnrichesByIDForFree: a job change about a person whose answer is
// cached (stale, for it predates the signal) is enriched again by the Lusha id it
// names, with no search: the data points the account owns are free to reveal
// again, so the action costs nothing and goes ahead even with the day's budget
// spent, and the record shows the new title.
func TestSignalEnrichesByIDForFree(t *testing.T) {
	ctx := t.Context()
	h, id, p := enrichedForSignals(t)
	sg, err := h.lusha.MovePerson(p.ID, h.world.Companies[0].ID, "Chief Free Officer")
	if err != nil {
		t.Fatal(err)
	}
	h.deliver(t, sg)
	h.settings.Lusha.CreditsPerDay = 1 // spent by the first run
	if err := h.accts.Apply(h.settings); err != nil {
		t.Fatal(err)
	}
	proc := h.jobChanges()
	sent, charged := len(h.sent()), h.creditsCharged()
	if n, err := proc.Drain(ctx); err != nil || n != 1 {
		t.Fatalf("Drain settled %d (%v); want the signal applied", n, err)
	}
	if got := h.creditsCharged() - charged; got != 0 {
		t.Errorf("the action cost %d credits; want 0", got)
	}
	for _, r := range h.sent()[sent:] {
		if strings.HasPrefix(r.Path, "/v3/contacts/") && (r.Path != "/v3/contacts/enrich" || !strings.Contains(r.Body, p.ID)) {
			t.Errorf("the action called %s %s; want only an enrich of %s by id", r.Path, r.Body, p.ID)
		}
	}
	if c, _ := h.hub.Contact(id); c["jobtitle"] != "Chief Free Officer" || c["job_changed_on"] == "" {
		t.Errorf("the record after the signal: %v", c)
	}
}

// TestSignalActedOnceAcrossACrash: the process dies after acting on a signal and
// before settling its delivery; the next process acts on it again, and buys and
// writes nothing, for the record's ledger rows carry the signal's id.
func TestSignalActedOnceAcrossACrash(t *testing.T) {
	ctx := t.Context()
	h, id, p := enrichedForSignals(t)
	old := h.move(p, "Chief Signals Officer")
	h.deliverSignal(t, p, map[string]any{"previousCompanyName": old.Name, "signalDate": "2026-11-30"})
	acting := &signals.Acting{Pipelines: []signals.Subscriber{{Pipeline: "p", Contact: []string{lusha.SignalAll}}},
		Act: actInPipelines(h.runner, []*Pipeline{h.pipe})}
	crashing := signals.NewProcessor(signals.ProcessorOptions{Store: settleFails{h.store}, Acting: acting})
	if _, err := crashing.Drain(ctx); !errors.Is(err, errCrash) {
		t.Fatalf("Drain: %v; want the crash", err)
	}
	if c, _ := h.hub.Contact(id); c["job_changed_on"] != "2026-11-30" {
		t.Fatalf("the first process did not act: %v", c)
	}
	charges, writes := len(h.lusha.Charges()), h.crmWrites.Load()
	proc := signals.NewProcessor(signals.ProcessorOptions{Store: h.store, Acting: acting})
	if n, err := proc.Drain(ctx); err != nil || n != 1 {
		t.Fatalf("Drain after the crash settled %d (%v); want the signal", n, err)
	}
	if got := len(h.lusha.Charges()) - charges; got != 0 || h.crmWrites.Load() != writes {
		t.Errorf("acting again made %d purchases and %d CRM writes; want none", got, h.crmWrites.Load()-writes)
	}
	if counts, err := h.store.InboxCounts(ctx); err != nil || counts[state.InboxApplied] != 1 {
		t.Errorf("InboxCounts = %v, %v; want the signal applied", counts, err)
	}
}

var errCrash = errors.New("the process died")

// settleFails is a store whose process dies as it settles a delivery.
type settleFails struct{ *state.SQLite }

func (settleFails) Settle(context.Context, int64, string, time.Time) error { return errCrash }

// enrichedForSignals is a harness on signalsMapping whose first run enriched a
// person Lusha can answer with a phone; it returns the person and their record.
func enrichedForSignals(t *testing.T) (*harness, string, *lushatest.Person) {
	t.Helper()
	h := newHarness(t, 40, signalsMapping, harnessOptions{})
	for _, f := range []string{"job_changed_on", "previous_company", "previous_domain"} {
		h.hub.DefineProperty(hubspottest.Property{Name: f, Type: "string", FieldType: "text", GroupName: "contactinformation"})
	}
	id, p := h.revealable(t)
	h.run(RunOptions{})
	return h, id, p
}

// jobChanges is a processor acting on job changes in the harness's pipeline.
func (h *harness) jobChanges() *signals.Processor {
	return signals.NewProcessor(signals.ProcessorOptions{Store: h.store, Acting: &signals.Acting{
		Pipelines: []signals.Subscriber{{Pipeline: "p", Contact: []string{lusha.SignalCompanyChange}}},
		Act:       actInPipelines(h.runner, []*Pipeline{h.pipe})}})
}

// move has p change jobs in the fake's world: to another company, with a new
// title. It returns the company p left.
func (h *harness) move(p *lushatest.Person, title string) *lushatest.Company {
	h.mu.Lock() // the fake reads the world under serveLusha's lock
	defer h.mu.Unlock()
	for i := range h.world.Companies {
		if c := &h.world.Companies[i]; c != p.Company {
			p.Previous, p.Company, p.JobTitle = p.Company, c, title
			return p.Previous
		}
	}
	h.t.Fatal("the world has one company")
	return nil
}

// deliverSignal has the fake Lusha deliver, signed, a companyChange signal about
// p to a real receiver on the harness's store; it returns the delivery's payload id.
func (h *harness) deliverSignal(t *testing.T, p *lushatest.Person, data map[string]any) string {
	t.Helper()
	return h.deliver(t, lushatest.Signal{EntityType: lusha.EntityContact, EntityID: p.ID,
		Type: lusha.SignalCompanyChange, Data: data})
}

// deliver subscribes a real receiver on the harness's store to the signal's
// entity and type, and has the fake Lusha deliver the signal, signed; it returns
// the delivery's payload id.
func (h *harness) deliver(t *testing.T, sg lushatest.Signal) string {
	t.Helper()
	ctx := t.Context()
	client := lusha.NewClient(h.lusha.APIKey(), lusha.WithBaseURL(h.lushaURL))
	secret, _, err := client.RegenerateAccountSecret(ctx)
	if err != nil {
		t.Fatal(err)
	}
	hook := httptest.NewServer(signals.NewReceiver(signals.ReceiverOptions{Inbox: h.store, Secret: secret.Reveal()}))
	t.Cleanup(hook.Close)
	if _, _, err := client.CreateSubscriptions(ctx, lusha.CreateSubscriptionsRequest{
		Defaults: lusha.SubscriptionDefaults{URL: hook.URL + signals.Path, EntityType: sg.EntityType,
			SignalTypes: []string{sg.Type}},
		Subscriptions: []lusha.SubscriptionItem{{EntityID: sg.EntityID}}}); err != nil {
		t.Fatal(err)
	}
	if n := h.lusha.EmitSignal(sg); n != 1 {
		t.Fatalf("signal deliveries = %d, want 1", n)
	}
	h.lusha.WaitDeliveries()
	ds, err := h.store.Unprocessed(ctx, 10)
	if err != nil || len(ds) != 1 {
		t.Fatalf("inbox: %v, %v; want the signal", ds, err)
	}
	return ds[0].PayloadID
}

// TestCompanySignalWritesTheCompany: a company signal about a company a company
// pipeline wrote has the company record enriched again and written under the
// mapping's policies plus the signal's writes, with ledger rows carrying the
// signal's id; a people pipeline subscribed to contact signals only is not asked.
func TestCompanySignalWritesTheCompany(t *testing.T) {
	ctx := t.Context()
	h := newHarness(t, 64, previewMapping, harnessOptions{})
	pipe, ids, hand := h.companies()
	h.hub.DefineObjectProperty("companies", hubspottest.Property{Name: "headcount_change", Type: "string",
		FieldType: "text", GroupName: "companyinformation"})
	text, err := configs.FS.ReadFile("mappings/hubspot-companies.yaml")
	if err != nil {
		t.Fatal(err)
	}
	text = append(text, "signals:\n  headcountIncrease3m:\n    headcount_change: { from: signal.changeRatePercent, policy: overwrite }\n"...)
	if pipe.Mapping, err = mapping.Parse("companies.yaml", text, mapping.Options{Schema: AnswerSchema()}); err != nil {
		t.Fatal(err)
	}
	h.runPipeline(pipe, RunOptions{})
	var id string
	for cid := range ids {
		if cid != hand && (id == "" || cid < id) {
			id = cid
		}
	}
	c := ids[id]
	before, _ := h.hub.Get("companies", id)
	if before["lusha_enriched_at"] == "" {
		t.Fatalf("company %s was not enriched: %v", id, before)
	}
	payloadID := h.deliver(t, lushatest.Signal{EntityType: lusha.EntityCompany, EntityID: c.ID,
		Type: "headcountIncrease3m", Data: map[string]any{"companyId": c.ID, "changeRatePercent": 10}})
	proc := signals.NewProcessor(signals.ProcessorOptions{Store: h.store, Acting: &signals.Acting{
		Pipelines: []signals.Subscriber{{Pipeline: "p", Contact: []string{lusha.SignalAll}},
			{Pipeline: "companies", Company: []string{"headcountIncrease3m"}}},
		Act: actInPipelines(h.runner, []*Pipeline{h.pipe, pipe})}})
	bought := h.companyCalls(0)
	if n, err := proc.Drain(ctx); err != nil || n != 1 {
		t.Fatalf("Drain settled %d (%v); want the signal", n, err)
	}
	if h.companyCalls(0) == bought {
		t.Error("the company was not enriched again")
	}
	after, _ := h.hub.Get("companies", id)
	if after["headcount_change"] != "10" || after["name"] != before["name"] {
		t.Errorf("after the signal: headcount_change %q (want 10), name %q (want %q)", after["headcount_change"],
			after["name"], before["name"])
	}
	runs, err := h.store.Runs(ctx, "companies", 1)
	if err != nil || len(runs) != 1 {
		t.Fatalf("runs: %v, %v", runs, err)
	}
	rows, err := h.store.Ledger(ctx, runs[0].RunID, 100)
	if err != nil || len(rows) == 0 {
		t.Fatalf("ledger of the signal's run: %v, %v", rows, err)
	}
	for _, r := range rows {
		if r.SignalID != payloadID || r.CRMID != id {
			t.Errorf("ledger row %+v: want signal %s, record %s", r, payloadID, id)
		}
	}
	if p, err := h.store.Runs(ctx, "p", 1); err != nil || len(p) != 0 {
		t.Errorf("the people pipeline ran: %v, %v", p, err)
	}
}
