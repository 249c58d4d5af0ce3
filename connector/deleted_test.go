package connector

import (
	"context"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leadsync/leadsync/state"
)

// doneRecords returns the pipeline's records stored done, in id order.
func (h *harness) doneRecords(ids []string) []string {
	h.t.Helper()
	got, err := h.store.RecordsOf(context.Background(), h.pipe.Name, h.pipe.Account, ids)
	if err != nil {
		h.t.Fatal(err)
	}
	var done []string
	for id, r := range got {
		if r.Status == state.StatusDone {
			done = append(done, id)
		}
	}
	slices.Sort(done)
	return done
}

// enrichCalls counts the Lusha requests other than the free usage reads.
func (h *harness) enrichCalls() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, r := range h.requests {
		if !strings.Contains(r.Path, "usage") {
			n++
		}
	}
	return n
}

// TestDeletedContactsLeaveTheState (issue 18): a contact enriched and then deleted in
// HubSpot loses its record state after the next run, through the account's breaker
// and the archived list; its ledger rows stay (provenance), nothing is bought again,
// its person no longer counts as held for signal subscriptions, and the contacts that
// still exist keep theirs.
func TestDeletedContactsLeaveTheState(t *testing.T) {
	h := newHarness(t, 20, previewMapping, harnessOptions{})
	h.runner.DeletedEvery = time.Millisecond
	h.settle()
	h.run(RunOptions{})
	done := h.doneRecords(h.ids)
	if len(done) < 3 {
		t.Fatalf("%d contacts done", len(done))
	}
	gone, kept := done[0], done[1]
	owned, err := h.store.OwnedBy(context.Background(), "hs", "contacts", []string{gone})
	if err != nil || len(owned[gone]) == 0 {
		t.Fatalf("no ledger rows for %s: %v, %v", gone, owned, err)
	}
	held := func() int {
		es, err := h.store.EnrichedBy(context.Background(), h.pipe.Name)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range es {
			if e.Held {
				n++
			}
		}
		return n
	}
	heldBefore := held()
	h.hub.ArchiveContact(gone)
	spent, asked := h.lusha.CreditsUsed(), h.enrichCalls()
	time.Sleep(2 * time.Millisecond)
	h.run(RunOptions{})
	h.run(RunOptions{})

	got, err := h.store.RecordsOf(context.Background(), h.pipe.Name, h.pipe.Account, []string{gone, kept})
	if err != nil {
		t.Fatal(err)
	}
	if r, ok := got[gone]; ok {
		t.Errorf("the deleted contact is still stored as %s", r.Status)
	}
	if got[kept].Status != state.StatusDone {
		t.Errorf("a live contact: %+v, want done", got[kept])
	}
	after, _ := h.store.OwnedBy(context.Background(), "hs", "contacts", []string{gone})
	if len(after[gone]) != len(owned[gone]) {
		t.Errorf("ledger rows of the deleted contact: %v, want %v kept", after[gone], owned[gone])
	}
	// Signal subscriptions follow the people whose records a pipeline holds
	// (signals.Manager.wanted): the deleted contact's person is no longer one.
	if n := held(); n != heldBefore-1 {
		t.Errorf("people held after the deletion: %d, want %d", n, heldBefore-1)
	}
	if h.lusha.CreditsUsed() != spent || h.enrichCalls() != asked {
		t.Errorf("runs after the deletion called Lusha: credits %d → %d, enrich calls %d → %d",
			spent, h.lusha.CreditsUsed(), asked, h.enrichCalls())
	}
}

// TestDeletedLeadsLeaveTheState (issue 18): the same for Salesforce, through Get
// Deleted: a deleted lead and a merged-away one lose their record state, the master
// and the others keep theirs, and nothing is bought again.
func TestDeletedLeadsLeaveTheState(t *testing.T) {
	// The org's clock stands at t0 and the adapter's a minute on (salesforceOrg); the
	// runner's clock moves, so that the second pass is due.
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var offset atomic.Int64
	offset.Store(int64(time.Minute))
	h := newHarness(t, 20, previewMapping, harnessOptions{now: func() time.Time { return t0.Add(time.Duration(offset.Load())) }})
	h.runner.DeletedEvery = time.Minute
	org := h.salesforceOrg("Lead", `object: Lead
match: { email: Email, firstName: FirstName, lastName: LastName }
fields:
  Title: { from: contact.jobTitle.title }
`)
	h.pipe.Companies = nil
	var ids []string
	for _, p := range h.world.People {
		ids = append(ids, org.AddLead(map[string]string{"FirstName": p.FirstName, "LastName": p.LastName, "Email": p.Email,
			"Company": p.Company.Name, "Website": p.Company.EmailDomain}))
	}
	h.run(RunOptions{})
	done := h.doneRecords(ids)
	if len(done) < 4 {
		t.Fatalf("%d leads done", len(done))
	}
	deleted, loser, master, kept := done[0], done[1], done[2], done[3]
	if err := org.Delete("Lead", deleted); err != nil {
		t.Fatal(err)
	}
	if err := org.Merge("Lead", master, loser); err != nil {
		t.Fatal(err)
	}
	spent := h.lusha.CreditsUsed()
	offset.Store(int64(2 * time.Minute))
	h.run(RunOptions{})

	got, err := h.store.RecordsOf(context.Background(), h.pipe.Name, h.pipe.Account, []string{deleted, loser, master, kept})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{deleted, loser} {
		if r, ok := got[id]; ok {
			t.Errorf("%s, deleted or merged away: still stored as %s", id, r.Status)
		}
	}
	for _, id := range []string{master, kept} {
		if _, ok := got[id]; !ok {
			t.Errorf("%s, still in the org, lost its state", id)
		}
	}
	if owned, _ := h.store.OwnedBy(context.Background(), "hs", "Lead", []string{deleted}); len(owned[deleted]) == 0 {
		t.Errorf("the deleted lead's ledger rows went")
	}
	if h.lusha.CreditsUsed() != spent {
		t.Errorf("the run after the deletion spent credits: %d → %d", spent, h.lusha.CreditsUsed())
	}
}
