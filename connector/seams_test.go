package connector

import (
	"bytes"
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadsync/leadsync/connector/run"
	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/hubspot/hubspottest"
	"github.com/leadsync/leadsync/lusha/lushatest"
	"github.com/leadsync/leadsync/mapping"
	"github.com/leadsync/leadsync/state"
)

// Regression tests for the engine's seams (issue 12): each promise of DESIGN §3 where
// two parts of the engine meet — an ambiguous write, two pipelines, two identities of
// one person, two portals, a merge, and forget.

// TestLostWriteAnswerKeepsItsLedger (I6, issue 12 scenario 1): a batch write the CRM
// applied but whose answer was lost leaves its records unknown with their write-ahead
// rows; the next run reads them back, so that every value leadsync wrote has a ledger
// row and overwrite_if_owned can still update it.
func TestLostWriteAnswerKeepsItsLedger(t *testing.T) {
	for _, tc := range []struct {
		name string
		mode lossMode
	}{
		{"connection closed after the CRM applied the batch", lossClose},
		{"502 after the CRM applied the batch", loss502},
		{"run cancelled while the applied write hangs", lossCancel},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := t.Context()
			h := newHarness(t, 30, previewMapping, harnessOptions{})
			lossy := h.loseWrites(tc.mode)
			lossy.drop.Store(1000) // every answer of this run: a write sent again is lost again
			if tc.mode == lossCancel {
				runCtx, cancel := context.WithCancel(ctx)
				done := make(chan error, 1)
				go func() {
					_, err := h.runner.Run(runCtx, h.pipe, RunOptions{})
					done <- err
				}()
				select {
				case <-lossy.applied:
					cancel()
					if err := <-done; err != nil {
						t.Logf("the cancelled run: %v", err)
					}
				case err := <-done:
					cancel()
					t.Fatalf("the run ended before its write was applied: %v", err)
				}
			} else {
				h.run(RunOptions{})
			}
			written := writtenContacts(h)
			if len(written) == 0 {
				t.Fatal("the CRM applied no write")
			}
			states, err := h.store.RecordsOf(ctx, "p", "hs", h.ids)
			if err != nil {
				t.Fatal(err)
			}
			for _, id := range written {
				if st := states[id]; st.Status != state.StatusUnknown {
					t.Errorf("contact %s: status %q after its answer was lost, want %q", id, st.Status, state.StatusUnknown)
				}
			}
			pending, err := h.store.PendingWritesOf(ctx, "p", "hs")
			if err != nil {
				t.Fatal(err)
			}
			pendingIDs := map[string]bool{}
			for _, e := range pending {
				pendingIDs[e.CRMID] = true
			}
			for _, id := range written {
				if !pendingIDs[id] {
					t.Errorf("contact %s holds leadsync's values but has no pending ledger row", id)
				}
			}
			if t.Failed() {
				t.FailNow()
			}

			lossy.drop.Store(0)
			h.run(RunOptions{})
			if left, _ := h.store.PendingWritesOf(ctx, "p", "hs"); len(left) != 0 {
				t.Errorf("%d pending ledger rows after the read-back", len(left))
			}
			states, err = h.store.RecordsOf(ctx, "p", "hs", written)
			if err != nil {
				t.Fatal(err)
			}
			for _, id := range written {
				if st := states[id]; st.Status != state.StatusDone {
					t.Errorf("contact %s: status %q after the read-back, want done", id, st.Status)
				}
			}
			checkLedgerMatchesCRM(t, h, []string{"jobtitle", "city", "lusha_enriched_at"})

			// The values are provably leadsync's: overwrite_if_owned updates them.
			h.remap(strings.Replace(previewMapping, "city: { from: contact.location.city }",
				"city: { from: contact.location.country, policy: overwrite_if_owned }", 1))
			h.run(RunOptions{Remap: true})
			for _, id := range written {
				c, _ := h.hub.Contact(id)
				if want := h.person[id].Location.Country; c["city"] != want {
					t.Errorf("contact %s: city %q, want %q: overwrite_if_owned did not update leadsync's own value", id, c["city"], want)
				}
			}
		})
	}
}

// writtenContacts are the contacts leadsync marked enriched in the fake CRM.
func writtenContacts(h *harness) []string {
	var out []string
	for _, id := range h.ids {
		if c, _ := h.hub.Contact(id); c["lusha_enriched_at"] != "" {
			out = append(out, id)
		}
	}
	return out
}

// checkLedgerMatchesCRM: for every contact of "hs" and every field, the CRM holds a
// value exactly when the ledger proves leadsync wrote it, and the same value.
func checkLedgerMatchesCRM(t *testing.T, h *harness, fields []string) {
	t.Helper()
	owned, err := h.store.OwnedBy(t.Context(), "hs", "contacts", h.ids)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range h.ids {
		c, _ := h.hub.Contact(id)
		for _, f := range fields {
			if o := owned[id][f]; !sameCRMValue(c[f], o) {
				t.Errorf("contact %s field %s: the CRM holds %q, the ledger proves %q", id, f, c[f], o)
			}
		}
	}
}

// TestTwoPipelinesBuyAPersonOnce (I2, issue 12 scenario 2): two pipelines over the
// same people, run at once on the process's accounts, send each person to a
// credit-spending Lusha call once, spend no more than one pipeline alone, and both
// write every person.
func TestTwoPipelinesBuyAPersonOnce(t *testing.T) {
	// The other pipeline writes other fields of the same contacts, under its own marker.
	const second = `object: contacts
match: { email: email, firstName: firstname, lastName: lastname, companyDomain: { from: website, transform: domain } }
fields:
  city: { from: contact.location.city }
  mobilephone: { from: "contact.phones[0].number", transform: e164 }
  lusha_q_at: { value: $now, policy: overwrite }
`
	t.Run("a second portal with the same people", func(t *testing.T) {
		h := newHarness(t, 150, phonesMapping, harnessOptions{})
		gate := newReadGate("p", "q")
		front := gate.front(func(*http.Request, []byte) string { return "p" })
		h.frontCRM(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { front(w, r, h.hub) }))
		other := h.addPortalBehind("hs2", gate.front(func(*http.Request, []byte) string { return "q" }))
		h.holdLusha(gate)
		q := h.pipeline("q", "hs2", phonesMapping, crm.Filter{Missing: []string{"lusha_enriched_at"}})
		runAtOnce(t, h, gate, h.pipe, q)
		checkBoughtOnce(t, h)
		for _, id := range h.ids {
			p := h.person[id]
			if !p.Known || p.Restricted {
				continue
			}
			for _, side := range []struct {
				name string
				hub  *hubspottest.Server
			}{{"hs", h.hub}, {"hs2", other.hub}} {
				c, _ := side.hub.Contact(id)
				if c["lusha_enriched_at"] == "" || (len(p.Phones) > 0 && c["phone"] == "") {
					t.Errorf("%s contact %s (%s) was not written: %v", side.name, id, p.Email, c)
				}
			}
		}
	})
	t.Run("two pipelines of one portal", func(t *testing.T) {
		h := newHarness(t, 150, phonesMapping, harnessOptions{})
		h.hub.DefineProperty(hubspottest.Property{Name: "lusha_q_at", Type: "datetime", FieldType: "date", GroupName: "contactinformation"})
		gate := newReadGate("p", "q")
		front := gate.front(func(_ *http.Request, body []byte) string {
			if bytes.Contains(body, []byte("lusha_q_at")) {
				return "q"
			}
			return "p"
		})
		h.frontCRM(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { front(w, r, h.hub) }))
		h.holdLusha(gate)
		q := h.pipeline("q", "hs", second, crm.Filter{Missing: []string{"lusha_q_at"}})
		runAtOnce(t, h, gate, h.pipe, q)
		checkBoughtOnce(t, h)
		for _, id := range h.ids {
			p := h.person[id]
			if !p.Known || p.Restricted {
				continue
			}
			c, _ := h.hub.Contact(id)
			if c["lusha_enriched_at"] == "" || c["lusha_q_at"] == "" ||
				(len(p.Phones) > 0 && (c["phone"] == "" || c["mobilephone"] == "")) {
				t.Errorf("contact %s (%s) was not written by both pipelines: %v", id, p.Email, c)
			}
		}
	})
}

// runAtOnce runs the pipelines concurrently on the harness's runner and accounts; a
// run that ends releases the gate.
func runAtOnce(t *testing.T, h *harness, gate *readGate, pipes ...*Pipeline) {
	t.Helper()
	sums := make([]Summary, len(pipes))
	errs := make([]error, len(pipes))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, p := range pipes {
		wg.Go(func() {
			<-start
			defer gate.release()
			sums[i], errs[i] = h.runner.Run(context.Background(), p, RunOptions{})
		})
	}
	close(start)
	wg.Wait()
	for i, p := range pipes {
		if errs[i] != nil {
			t.Fatalf("pipeline %s: %v", p.Name, errs[i])
		}
		if sums[i].Status != RunOK {
			t.Errorf("pipeline %s: status %s: %s (%+v)", p.Name, sums[i].Status, sums[i].Error, sums[i].RunCounts)
		}
	}
}

// checkBoughtOnce: no person was in two credit-spending Lusha calls, and the credits
// spent are at most what one pipeline alone spends on the harness's people.
func checkBoughtOnce(t *testing.T, h *harness) {
	t.Helper()
	sent := h.sent()
	searched := h.searchedPeople(sent, "/v3/contacts/search")
	for p, n := range h.searchedPeople(sent, "/v3/contacts/search-and-enrich") {
		searched[p] += n
	}
	for p, n := range searched {
		if n > 1 {
			t.Errorf("%s was searched %d times", p.Email, n)
		}
	}
	for id, n := range h.enrichedIDs(sent) {
		if n > 1 {
			t.Errorf("Lusha person %s was enriched %d times", id, n)
		}
	}
	alone := h.searchCredits(h.ids)
	for _, id := range h.ids {
		if p := h.person[id]; p.Known && !p.Restricted && len(p.Phones) > 0 {
			alone += 5
		}
	}
	if got := h.lusha.CreditsUsed(); got > alone {
		t.Errorf("two pipelines spent %d credits, one alone needs %d", got, alone)
	}
}

// TestOneLushaPersonUnderTwoIdentitiesIsRevealedForBoth (issue 12 scenario 4): two CRM
// duplicates of one person under different identity keys preview to one Lusha id in
// one page; the id is enriched once, paid once, and both records get what was bought.
func TestOneLushaPersonUnderTwoIdentitiesIsRevealedForBoth(t *testing.T) {
	linkedinMapping := strings.Replace(phonesMapping, "match: { email: email,",
		"match: { email: email, linkedinUrl: hs_linkedin_url,", 1)
	for _, tc := range []struct {
		name    string
		mapping string
		twin    func(p *lushatest.Person) map[string]string
	}{
		{"email and name at the company", phonesMapping, func(p *lushatest.Person) map[string]string {
			return map[string]string{"firstname": p.FirstName, "lastname": p.LastName,
				"company": p.Company.Name, "website": "https://" + p.Company.EmailDomain}
		}},
		{"email and LinkedIn URL", linkedinMapping, func(p *lushatest.Person) map[string]string {
			return map[string]string{"hs_linkedin_url": p.LinkedinURL, "firstname": p.FirstName, "lastname": p.LastName}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, 40, tc.mapping, harnessOptions{})
			first, p := h.revealable(t)
			twin := h.hub.AddContact(tc.twin(p))
			if k1, k2 := run.IdentityKey(h.pipe.Mapping, mustContact(t, h, first)),
				run.IdentityKey(h.pipe.Mapping, mustContact(t, h, twin)); k1 == k2 || k2 == "" {
				t.Fatalf("the duplicates share one identity key (%q, %q): not the case under test", k1, k2)
			}
			h.settle()
			sum := h.run(RunOptions{})
			if n := h.enrichedIDs(h.sent())[p.ID]; n != 1 {
				t.Errorf("the person was named in %d enrich calls, want 1", n)
			}
			if items, _ := h.chargedFor(p.ID); items != 1 {
				t.Errorf("the person was charged %d times, want once", items)
			}
			if sum.CreditsSpent != h.lusha.CreditsUsed() {
				t.Errorf("the run says %d credits, Lusha charged %d", sum.CreditsSpent, h.lusha.CreditsUsed())
			}
			states, err := h.store.RecordsOf(t.Context(), "p", "hs", []string{first, twin})
			if err != nil {
				t.Fatal(err)
			}
			for _, id := range []string{first, twin} {
				c, _ := h.hub.Contact(id)
				if c["phone"] == "" || c["lusha_enriched_at"] == "" {
					t.Errorf("contact %s did not get the phone bought for it (phone %q, marked %q, state %+v)",
						id, c["phone"], c["lusha_enriched_at"], states[id])
				}
			}
		})
	}
}

func mustContact(t *testing.T, h *harness, id string) map[string]string {
	t.Helper()
	c, ok := h.hub.Contact(id)
	if !ok {
		t.Fatalf("no contact %s", id)
	}
	return c
}

const ownedCity = `object: contacts
match: { email: email, firstName: firstname, lastName: lastname, companyDomain: { from: website, transform: domain } }
fields:
  city: { from: contact.location.city, policy: overwrite_if_owned }
`

// ownedCountry is ownedCity with a changed source, and a field under fill that makes
// every record worth a look.
const ownedCountry = `object: contacts
match: { email: email, firstName: firstname, lastName: lastname, companyDomain: { from: website, transform: domain } }
fields:
  jobtitle: { from: contact.jobTitle.title }
  city: { from: contact.location.country, policy: overwrite_if_owned }
`

// TestOwnershipDoesNotCrossCRMAccounts (I3, issue 12 scenario 6): a value leadsync
// wrote to contact X of one portal proves nothing about the same value typed by hand
// into contact X of another portal, whose ids collide.
func TestOwnershipDoesNotCrossCRMAccounts(t *testing.T) {
	h := newHarness(t, 30, ownedCity, harnessOptions{})
	h.pipe.Filter = crm.Filter{}
	h.run(RunOptions{})
	other := h.addPortal("hs2")
	if !slices.Equal(other.ids, h.ids) {
		t.Fatalf("the portals' contact ids do not collide: %v and %v", h.ids, other.ids)
	}
	typed := map[string]string{}
	for _, id := range h.ids {
		if c, _ := h.hub.Contact(id); c["city"] != "" {
			typed[id] = c["city"]
			other.hub.UpdateContact(id, map[string]string{"city": c["city"]}) // by hand, in the other portal
		}
	}
	if len(typed) == 0 {
		t.Fatal("leadsync wrote no city")
	}
	other.settle()
	q := h.pipeline("q", "hs2", ownedCountry, crm.Filter{})
	sum := h.runPipe(q, RunOptions{})
	if n := sum.FieldActions["jobtitle"][mapping.ActionWrite]; n == 0 {
		t.Fatalf("the other portal's pipeline wrote nothing: %+v", sum)
	}
	for id, v := range typed {
		if c, _ := other.hub.Contact(id); c["city"] != v {
			t.Errorf("hs2 contact %s: the city typed by hand %q was overwritten with %q, proven by hs's ledger", id, v, c["city"])
		}
	}
	if n := sum.FieldActions["city"][mapping.ActionKeepNotOurs]; n != len(typed) {
		t.Errorf("%d cities kept as not ours in hs2, want %d: %v", n, len(typed), sum.FieldActions["city"])
	}
	// In the portal where leadsync wrote them, the same mapping does replace them.
	h.remap(ownedCountry)
	h.run(RunOptions{Remap: true})
	for id := range typed {
		if c, _ := h.hub.Contact(id); c["city"] != h.person[id].Location.Country {
			t.Errorf("hs contact %s: leadsync's own city was not replaced: %q", id, c["city"])
		}
	}
}

// TestMergeMovesOwnershipToTheSurvivor (issue 12, "merges ignored"): when a contact
// leadsync wrote is merged, the survivor's value is still provably leadsync's, and
// nothing stays under the merged ids.
func TestMergeMovesOwnershipToTheSurvivor(t *testing.T) {
	ctx := t.Context()
	h := newHarness(t, 20, ownedCity, harnessOptions{})
	h.pipe.Filter = crm.Filter{}
	h.run(RunOptions{})
	var a string
	for _, id := range h.ids {
		if c, _ := h.hub.Contact(id); c["city"] != "" && c["city"] != h.person[id].Location.Country {
			a = id
			break
		}
	}
	if a == "" {
		t.Fatal("leadsync wrote no city")
	}
	p := h.person[a]
	if st, _ := h.store.RecordsOf(ctx, "p", "hs", []string{a}); st[a].Status != state.StatusDone {
		t.Fatalf("contact %s: %+v before the merge", a, st[a])
	}
	// A duplicate typed by a person, merged into the contact leadsync wrote: the
	// survivor is a new record holding the primary's values.
	dup := h.hub.AddContact(map[string]string{"firstname": p.FirstName, "lastname": p.LastName, "company": p.Company.Name})
	survivor := h.hub.MergeContacts(a, dup)
	if c, _ := h.hub.Contact(survivor); c["city"] != p.Location.City {
		t.Fatalf("the survivor %s holds city %q, want leadsync's %q", survivor, c["city"], p.Location.City)
	}
	h.remap(strings.Replace(ownedCity, "contact.location.city", "contact.location.country", 1))
	h.settle()
	h.run(RunOptions{})
	if c, _ := h.hub.Contact(survivor); c["city"] != p.Location.Country {
		t.Errorf("the survivor's city %q was not treated as leadsync's: want it replaced by %q", c["city"], p.Location.Country)
	}
	states, err := h.store.RecordsOf(ctx, "p", "hs", []string{a, dup, survivor})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{a, dup} {
		if st, ok := states[id]; ok {
			t.Errorf("merged contact %s still has a record state: %+v", id, st)
		}
	}
	if st := states[survivor]; st.Status != state.StatusDone {
		t.Errorf("the survivor %s: %+v, want done", survivor, st)
	}
	owned, err := h.store.OwnedBy(ctx, "hs", "contacts", []string{a, survivor})
	if err != nil {
		t.Fatal(err)
	}
	if len(owned[a]) != 0 {
		t.Errorf("the merged id still owns %v", owned[a])
	}
	if owned[survivor]["city"] != p.Location.Country {
		t.Errorf("the survivor's ledger proves %v, want city %q", owned[survivor], p.Location.Country)
	}
}

// TestForgetCoversThePersonUnderAnotherIdentity (issue 12, "forget misses the person
// under another identity"): after `leadsync forget`, a new contact of the same person
// under another email is neither revealed nor written, and the erased ledger rows keep
// no Lusha person id.
func TestForgetCoversThePersonUnderAnotherIdentity(t *testing.T) {
	const everything = `object: contacts
match: { email: email, firstName: firstname, lastName: lastname, companyDomain: { from: website, transform: domain } }
fields:
  jobtitle: { from: contact.jobTitle.title }
  phone: { from: "contact.phones[0].number", transform: e164 }
  lusha_email: { from: "contact.emails[0].email" }
  lusha_enriched_at: { value: $now, policy: overwrite }
`
	for _, tc := range []struct {
		name, mapping string
		byCRMID       bool
	}{
		{"by email, search then reveal", phonesMapping, false},
		{"by CRM id, search then reveal", phonesMapping, true},
		{"by email, search and enrich", everything, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := t.Context()
			h := newHarness(t, 40, tc.mapping, harnessOptions{})
			h.hub.DefineProperty(hubspottest.Property{Name: "lusha_email", Type: "string", FieldType: "text", GroupName: "contactinformation"})
			id, p := h.revealable(t)
			first := h.run(RunOptions{})
			if c, _ := h.hub.Contact(id); c["phone"] == "" {
				t.Fatalf("contact %s was not enriched: %v", id, c)
			}
			// What cmd/leadsync/cmd_forget.go does.
			f := state.Forget{}
			if tc.byCRMID {
				f.CRMIDs = []string{id}
				recs, err := h.store.RecordsOf(ctx, "p", "hs", f.CRMIDs)
				if err != nil {
					t.Fatal(err)
				}
				if k := recs[id].IdentityKey; k != "" {
					f.Keys = append(f.Keys, k)
				}
			} else {
				f.Keys = []string{mapping.Identity{Email: p.Email}.Key()}
			}
			if _, err := h.store.ForgetPerson(ctx, f); err != nil {
				t.Fatal(err)
			}
			rows, err := h.store.Ledger(ctx, first.RunID, 0)
			if err != nil {
				t.Fatal(err)
			}
			erased := 0
			for _, e := range rows {
				if e.LushaID == p.ID {
					t.Errorf("a ledger row of contact %s field %s keeps the forgotten person's Lusha id", e.CRMID, e.Field)
				}
				if e.CRMID == id {
					erased++
					if e.NewValue != "" || e.OldValue != "" || e.LushaID != "" {
						t.Errorf("erased ledger row of field %s keeps %q / %q / Lusha id %q", e.Field, e.OldValue, e.NewValue, e.LushaID)
					}
				}
			}
			if erased == 0 {
				t.Error("the forgotten contact has no ledger rows left to show leadsync wrote it")
			}

			// The same person comes back under another email.
			local, _, _ := strings.Cut(p.Email, "@")
			newEmail := local + ".private@example-mail.com"
			again := h.hub.AddContact(map[string]string{"email": newEmail, "firstname": p.FirstName, "lastname": p.LastName,
				"company": p.Company.Name, "website": "https://" + p.Company.EmailDomain})
			h.settle()
			before := len(h.sent())
			chargedBefore, _ := h.chargedFor(p.ID)
			h.run(RunOptions{})
			after := h.sent()[before:]
			if n := h.enrichedIDs(after)[p.ID]; n != 0 {
				t.Errorf("the forgotten person was named in %d enrich calls", n)
			}
			if n := h.searchedPeople(after, "/v3/contacts/search-and-enrich")[p]; n != 0 {
				t.Errorf("the forgotten person was sent to search-and-enrich %d times", n)
			}
			if n, _ := h.chargedFor(p.ID); n != chargedBefore {
				t.Errorf("the forgotten person was bought again (%d charges, %d before)", n, chargedBefore)
			}
			c, _ := h.hub.Contact(again)
			for _, f := range []string{"jobtitle", "phone", "lusha_email", "lusha_enriched_at"} {
				if c[f] != "" {
					t.Errorf("the new contact of the forgotten person got %s %q", f, c[f])
				}
			}
			key := run.IdentityKey(h.pipe.Mapping, c)
			if s, _ := h.store.Suppressed(ctx, key); !s {
				t.Error("the forgotten person's new identity is not suppressed")
			}
			if e, _ := h.store.Enrichment(ctx, key, time.Now()); e != nil && e.Outcome == state.OutcomeMatched {
				t.Errorf("an answer about the forgotten person is cached under the new identity (Lusha id %q)", e.LushaID)
			}
		})
	}
}
