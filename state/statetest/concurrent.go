package statetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/leadsync/leadsync/state"
)

// testConcurrentWriters has several goroutines write at once, as pipelines sharing
// one store do; every write must succeed (no "database is locked").
func testConcurrentWriters(t *testing.T, s state.Store, _ *Clock) {
	ctx := t.Context()
	const workers, pages = 6, 15
	var wg sync.WaitGroup
	errs := make(chan error, workers*pages*3)
	for w := range workers {
		p := fmt.Sprintf("p%d", w)
		wg.Go(func() {
			for i := range pages {
				id := fmt.Sprint(i)
				errs <- s.CommitPage(ctx, state.PageCommit{Pipeline: p,
					Records: []state.RecordState{{CRMID: id, Status: state.StatusDone, UpdatedAt: Epoch}},
					Ledger:  []state.LedgerEntry{{RunID: "r", CRMObject: "contacts", CRMID: p + "-" + id, Field: "f", NewValue: id, WrittenAt: Epoch}},
					Cursor:  new(id)})
				errs <- s.SaveEnrichments(ctx, state.Spend{Pipeline: p, Call: "c", Credits: 1, At: Epoch},
					[]state.Enrichment{{Key: p + id, Outcome: state.OutcomeNoMatch, FetchedAt: Epoch, ExpiresAt: Epoch.Add(time.Hour)}})
				_, err := s.Records(ctx, p, []string{id})
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent write: %v", err)
		}
	}
	if n, err := s.CreditsSpent(ctx, "", Epoch); err != nil || n != workers*pages {
		t.Errorf("CreditsSpent = %d, %v; want %d", n, err, workers*pages)
	}
	for w := range workers {
		p := fmt.Sprintf("p%d", w)
		if cur, err := s.Cursor(ctx, p); err != nil || cur != fmt.Sprint(pages-1) {
			t.Errorf("Cursor(%s) = %q, %v; want %q", p, cur, err, fmt.Sprint(pages-1))
		}
		got, err := s.Records(ctx, p, []string{"0", fmt.Sprint(pages - 1)})
		if err != nil || len(got) != 2 {
			t.Errorf("Records(%s) = %v, %v; want 2 states", p, got, err)
		}
	}
}
