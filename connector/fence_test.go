package connector

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leadsync/leadsync/connector/account"
	"github.com/leadsync/leadsync/connector/run"
	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/state"
)

// Records due in the retry queue settle apart from the change stream: a record that
// keeps failing in the queue does not hold back the cursor of new pages (§9b).
func TestDueRetriesDoNotFreezeTheCursor(t *testing.T) {
	h := newHarness(t, 450, previewMapping, harnessOptions{})
	fw := &flakyWrite{Adapter: h.adapter(), on: true}
	h.pipe.CRM = fw
	h.run(RunOptions{})
	before, _ := h.store.Cursor(t.Context(), "p")
	if before == "" {
		t.Fatal("the first run moved no cursor")
	}
	// The refused record stays refused, and is due again.
	if n, err := h.store.ReleaseParked(t.Context(), "p", "", time.Now().Add(-time.Millisecond)); err != nil || n == 0 {
		t.Fatalf("released %d: %v", n, err)
	}
	for range 30 {
		h.hub.AddContact(map[string]string{"email": "new." + strings.Repeat("x", 3) + time.Now().Format("150405.000000") + "@example.com",
			"firstname": "New", "lastname": "Person"})
	}
	h.settle()
	sum := h.run(RunOptions{})
	after, _ := h.store.Cursor(t.Context(), "p")
	if after == before {
		t.Errorf("a due retry froze the cursor at %q (run %s: %s)", before, sum.Status, sum.Error)
	}
	st, _ := h.store.RecordsOf(t.Context(), "p", "hs", []string{fw.victim})
	if st[fw.victim].Status != state.StatusParked {
		t.Errorf("the refused record is %q, want parked again", st[fw.victim].Status)
	}
}

// stallingStore stands for a process that stalled (SIGSTOP, a long pause): its lease
// renewals do not happen while stalled.
type stallingStore struct {
	state.Inspector
	stalled atomic.Bool
}

func (s *stallingStore) Renew(ctx context.Context, f state.Fence, ttl time.Duration) (state.Lease, error) {
	if s.stalled.Load() {
		return state.Lease{}, errors.New("stalled")
	}
	return s.Inspector.Renew(ctx, f, ttl)
}

// stallingCRM holds the first write until told, as a stalled process would.
type stallingCRM struct {
	run.CRM
	hold    chan struct{}
	writes  atomic.Int32
	entered chan struct{}
}

func (s *stallingCRM) Write(ctx context.Context, object string, patches []crm.Patch) ([]crm.WriteResult, error) {
	if s.writes.Add(1) == 1 {
		close(s.entered)
		<-s.hold
	}
	return s.CRM.Write(ctx, object, patches)
}

// A holder that stalled past its lease while another process took the pipeline over
// stops without writing from its stale read: the fence of its next stage or commit
// no longer holds (and its local trust in the lease ran out).
func TestStalledHolderStopsWithoutWriting(t *testing.T) {
	h := newHarness(t, 450, previewMapping, harnessOptions{})
	store := &stallingStore{Inspector: h.store}
	h.runner.Store, h.runner.LeaseTTL = store, 900*time.Millisecond
	stall := &stallingCRM{CRM: h.adapter(), hold: make(chan struct{}), entered: make(chan struct{})}
	h.pipe.CRM = stall
	done := make(chan Summary, 1)
	go func() {
		sum, _ := h.runner.Run(context.Background(), h.pipe, RunOptions{})
		done <- sum
	}()
	<-stall.entered
	store.stalled.Store(true)
	time.Sleep(time.Second) // past the lease's ttl: it is the lease's own expiry being waited out
	other, err := h.store.Acquire(t.Context(), "p", "the-new-holder", time.Minute)
	if err != nil {
		t.Fatalf("the stalled holder's lease could not be taken over: %v", err)
	}
	before, _ := h.store.Cursor(t.Context(), "p")
	close(stall.hold) // SIGCONT
	sum := <-done
	if n := stall.writes.Load(); n != 1 {
		t.Errorf("the stale holder sent %d writes, want only the one in flight", n)
	}
	if sum.StopClass != crm.ClassConflict || !strings.Contains(sum.Error, "lease") {
		t.Errorf("the stale holder ended %s (%s): %s", sum.Status, sum.StopClass, sum.Error)
	}
	if after, _ := h.store.Cursor(t.Context(), "p"); after != before {
		t.Errorf("the stale holder moved the new holder's cursor from %q to %q", before, after)
	}
	if _, err := h.store.Renew(t.Context(), other.Fence(), time.Minute); err != nil {
		t.Errorf("the new holder lost its lease to the stale one: %v", err)
	}
	pending, _ := h.store.PendingWritesOf(t.Context(), "p", "hs")
	if len(pending) == 0 {
		t.Error("the write the stale holder had in flight left no write-ahead row for a read-back")
	}
}

// Shutdown ends a run between retry batches: a long queue of due records does not
// outlive the grace period.
func TestRetriesStopOnShutdown(t *testing.T) {
	h := newHarness(t, 300, previewMapping, harnessOptions{})
	fw := &flakyWrite{Adapter: h.adapter(), on: true}
	h.pipe.CRM = fw
	h.run(RunOptions{})
	var recs []state.RecordState
	for _, id := range h.ids {
		recs = append(recs, state.RecordState{CRMID: id, Status: state.StatusParked, Class: string(crm.ClassUnavailable),
			NextAttempt: time.Now().Add(-time.Minute)})
	}
	if err := h.store.CommitPage(t.Context(), state.PageCommit{Pipeline: "p", Account: "hs", Records: recs}); err != nil {
		t.Fatal(err)
	}
	gets := &countingGets{CRM: h.adapter()}
	h.pipe.CRM = gets
	stopping := make(chan struct{})
	close(stopping)
	h.runner.Stopping = stopping
	sum := h.run(RunOptions{})
	if gets.n.Load() != 0 {
		t.Errorf("shutdown had begun, yet %d retry batches were read", gets.n.Load())
	}
	if sum.Status != RunPartial {
		t.Errorf("status %s, want partial: %s", sum.Status, sum.Error)
	}
}

type countingGets struct {
	run.CRM
	n atomic.Int32
}

func (c *countingGets) Get(ctx context.Context, object string, ids, fields []string) ([]crm.Record, error) {
	c.n.Add(1)
	return c.CRM.Get(ctx, object, ids, fields)
}

// goneField is a CRM whose read-back refuses a field deleted since a crash, as
// Salesforce's SOQL does (INVALID_FIELD, HTTP 400).
type goneField struct {
	run.CRM
	field string
}

func (g goneField) Get(ctx context.Context, object string, ids, fields []string) ([]crm.Record, error) {
	for _, f := range fields {
		if f == g.field {
			return nil, &crm.Error{Service: "crm", Op: "get", Class: crm.ClassInvalid, Status: 400, Code: "INVALID_FIELD",
				Message: "No such column '" + f + "'"}
		}
	}
	return g.CRM.Get(ctx, object, ids, fields)
}

func (g goneField) Schema(ctx context.Context, object string) (crm.Schema, error) {
	s, err := g.CRM.Schema(ctx, object)
	delete(s.Fields, g.field)
	return s, err
}

// A read-back that can never succeed (a field deleted from the CRM since the crash)
// parks the records with the reason and the run goes on, instead of wedging the
// pipeline on every run.
func TestUnreadableReadBackDoesNotWedgeThePipeline(t *testing.T) {
	h := newHarness(t, 50, previewMapping, harnessOptions{})
	victim := h.ids[0]
	err := h.store.CommitPage(t.Context(), state.PageCommit{Pipeline: "p", Account: "hs", Ledger: []state.LedgerEntry{
		{RunID: "crashed", CRMObject: "contacts", CRMID: victim, Field: "legacy_field", NewValue: "X", Pending: true},
		{RunID: "crashed", CRMObject: "contacts", CRMID: victim, Field: "jobtitle", NewValue: "Y", Pending: true}}})
	if err != nil {
		t.Fatal(err)
	}
	h.pipe.CRM = goneField{CRM: h.adapter(), field: "legacy_field"}
	for run := range 2 {
		sum := h.run(RunOptions{})
		if sum.Status != RunOK && sum.Status != RunPartial {
			t.Fatalf("run %d: %s: %s", run, sum.Status, sum.Error)
		}
		if sum.RecordsRead == 0 && run == 0 {
			t.Fatalf("the pipeline read nothing after the unreadable read-back")
		}
	}
	if pending, _ := h.store.PendingWritesOf(t.Context(), "p", "hs"); len(pending) != 0 {
		t.Errorf("%d write-ahead rows still wait for a read-back", len(pending))
	}
}

// racingClaims is another process that saves its answers and lets its claims go just
// between this run's read of the cache and its claim.
type racingClaims struct {
	*state.SQLite
	once sync.Once
}

func (r *racingClaims) ClaimIdentities(ctx context.Context, owner string, keys []string, ttl time.Duration) ([]string, error) {
	r.once.Do(func() {
		var ens []state.Enrichment
		for _, k := range keys {
			ens = append(ens, state.Enrichment{Key: k, Outcome: state.OutcomeNoMatch, FetchedAt: time.Now(),
				ExpiresAt: time.Now().Add(time.Hour)})
		}
		_ = r.SQLite.SaveEnrichments(ctx, state.Spend{Pipeline: "elsewhere", Call: "contacts/search", Credits: 4}, ens)
	})
	return r.SQLite.ClaimIdentities(ctx, owner, keys, ttl)
}

// An answer saved by another process after this run read the cache and before it
// claimed the identity is used, not bought again (I2).
func TestAnAnswerSavedBeforeTheClaimIsNotBoughtAgain(t *testing.T) {
	h := newHarness(t, 30, previewMapping, harnessOptions{})
	h.accts = account.New(account.Options{Ledger: h.store, Claims: &racingClaims{SQLite: h.store}, Owner: "test"})
	if err := h.accts.Apply(h.settings); err != nil {
		t.Fatal(err)
	}
	defer h.accts.Close()
	h.runner.engine.Accounts = h.accts
	sum := h.run(RunOptions{})
	for _, r := range h.sent() {
		if strings.HasPrefix(r.Path, "/v3/contacts") {
			t.Fatalf("a person whose answer another process had just saved was bought again: %s", r.Path)
		}
	}
	if sum.CreditsSpent != 0 {
		t.Errorf("spent %d credits", sum.CreditsSpent)
	}
}
