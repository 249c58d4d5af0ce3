package sandbox_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/leadsync/leadsync/connector"
	"github.com/leadsync/leadsync/state"
)

// TestSandboxDeletedLeadsLeaveTheRetryQueue (issue 13, Salesforce 8; issue 18): a lead
// parked for a retry and then deleted, or merged into another, does not wedge the
// queue. The retry reads it by id through queryAll, which reports it deleted
// (salesforce-api.md §3.6), and its record state is dropped, without a write or a
// credit, so that the state holds nothing of records that are gone. A parked lead
// converted since is left out of the read (Salesforce 1) and dropped too; the lead
// parked beside them that still exists is retried as usual.
func TestSandboxDeletedLeadsLeaveTheRetryQueue(t *testing.T) {
	sb, eng := start(t, 60)
	ctx := context.Background()
	p := salesforcePipeline(t, eng)
	runSalesforce(t, sb, eng)
	var leads []string // enriched ones: their answers are cached, a retry buys nothing
	for id := range sb.LeadPerson {
		if sb.Salesforce.Lead(id)["Lusha_Enriched_At__c"] != "" {
			leads = append(leads, id)
		}
	}
	slices.Sort(leads)
	if len(leads) < 4 {
		t.Fatalf("%d leads enriched", len(leads))
	}
	deleted, loser, master, alive, converted := leads[0], leads[1], leads[2], leads[3], leads[4]
	park(t, eng, p, deleted, loser, alive, converted)
	if err := sb.Salesforce.Delete("Lead", deleted); err != nil {
		t.Fatal(err)
	}
	if err := sb.Salesforce.Merge("Lead", master, loser); err != nil {
		t.Fatal(err)
	}
	if _, _, err := sb.Salesforce.Convert(converted); err != nil {
		t.Fatal(err)
	}
	spent := sb.Lusha.CreditsUsed()
	runSalesforce(t, sb, eng)
	got, err := eng.Store.RecordsOf(ctx, p.Name, p.Account, []string{deleted, loser, alive, converted})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{deleted, loser, converted} {
		if r, ok := got[id]; ok {
			t.Errorf("%s, deleted, merged away or converted after it was parked: still stored as %s %q", id, r.Status, r.Reason)
		}
	}
	if r := got[alive]; r.Status != state.StatusDone {
		t.Errorf("the parked lead that still exists: %s %q, want done", r.Status, r.Reason)
	}
	if left, _ := eng.Store.Parked(ctx, p.Name, 0); len(left) != 0 {
		t.Errorf("%d records still parked", len(left))
	}
	if sb.Lusha.CreditsUsed() != spent {
		t.Errorf("the retry spent credits: %d → %d", spent, sb.Lusha.CreditsUsed())
	}
}

// park puts records in the retry queue, due now, as a refused write leaves them.
func park(t *testing.T, eng *connector.Engine, p *connector.Pipeline, ids ...string) {
	t.Helper()
	ctx := context.Background()
	states, err := eng.Store.RecordsOf(ctx, p.Name, p.Account, ids)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		r, ok := states[id]
		if !ok {
			t.Fatalf("no state for %s", id)
		}
		r.Status, r.Class, r.Reason, r.Attempts = state.StatusParked, "invalid", "refused by a validation rule", 1
		r.NextAttempt, r.UpdatedAt = time.Now().Add(-time.Second), time.Now()
		if err := eng.Store.CommitPage(ctx, state.PageCommit{Pipeline: p.Name, Account: p.Account,
			Records: []state.RecordState{r}}); err != nil {
			t.Fatal(err)
		}
	}
}
