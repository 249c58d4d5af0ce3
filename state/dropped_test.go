//go:build cgo

package state_test

import (
	"context"
	"testing"
	"time"

	"github.com/leadsync/leadsync/state"
)

// TestPruneDropped: the ledger rows of a record whose state was dropped go once older
// than the cutoff, the latest included; those of held records, of the pipeline's
// company records (which never have a state), of other pipelines and the recent ones
// stay.
func TestPruneDropped(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		s := open(t)
		ctx := context.Background()
		t0 := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
		row := func(pipeline, object, id, value string, at time.Time) state.LedgerEntry {
			return state.LedgerEntry{RunID: "r", Pipeline: pipeline, CRMObject: object, CRMID: id, Field: "jobtitle",
				NewValue: value, WrittenAt: at}
		}
		commit := func(pc state.PageCommit) {
			t.Helper()
			if err := s.CommitPage(ctx, pc); err != nil {
				t.Fatal(err)
			}
		}
		commit(state.PageCommit{Pipeline: "hs", Account: "acct",
			Records: []state.RecordState{{CRMID: "1", Status: state.StatusDone}, {CRMID: "2", Status: state.StatusDone},
				{CRMID: "3", Status: state.StatusDone}},
			Ledger: []state.LedgerEntry{row("", "contacts", "1", "a", t0.Add(-3*time.Hour)), row("", "contacts", "1", "b", t0.Add(-2*time.Hour)),
				row("", "contacts", "2", "c", t0.Add(-3*time.Hour)), row("", "contacts", "3", "d", t0.Add(-time.Minute)),
				row("", "companies", "9", "e", t0.Add(-3*time.Hour))}})
		commit(state.PageCommit{Pipeline: "other", Account: "acct", Records: []state.RecordState{{CRMID: "1", Status: state.StatusDone}},
			Ledger: []state.LedgerEntry{row("", "contacts", "1", "f", t0.Add(-4*time.Hour))}})
		commit(state.PageCommit{Pipeline: "hs", Account: "acct", Drop: []string{"1", "3"}})

		n, err := s.Backend.(state.DroppedPruner).PruneDropped(ctx, "hs", "acct", "contacts", t0.Add(-time.Hour))
		if err != nil || n != 2 {
			t.Fatalf("PruneDropped = %d, %v; want the 2 old rows of the dropped record 1", n, err)
		}
		var left []string
		if err := s.rows(`SELECT pipeline, crm_object, crm_id, new_value FROM ledger ORDER BY new_value`, func(scan func(...any) error) error {
			var p, o, id, v string
			if err := scan(&p, &o, &id, &v); err != nil {
				return err
			}
			left = append(left, p+"/"+o+"/"+id+"="+v)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		want := []string{"hs/contacts/2=c", "hs/contacts/3=d", "hs/companies/9=e", "other/contacts/1=f"}
		if len(left) != len(want) {
			t.Fatalf("ledger left %v, want %v", left, want)
		}
		for i := range want {
			if left[i] != want[i] {
				t.Errorf("ledger left %v, want %v", left, want)
				break
			}
		}
	})
}
