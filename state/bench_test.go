//go:build cgo

package state_test

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/leadsync/leadsync/state"
)

// BenchmarkCommitPage commits pages as the connector does: 200 records, five
// ledger rows each, and the cursor.
func BenchmarkCommitPage(b *testing.B) {
	s := openStore(b, filepath.Join(b.TempDir(), "state.db"))
	const records, fields = 200, 5
	now := time.Now()
	page := func(n int) state.PageCommit {
		pc := state.PageCommit{Pipeline: "p", Cursor: new(fmt.Sprint(n))}
		for i := range records {
			id := fmt.Sprintf("%d-%d", n, i)
			pc.Records = append(pc.Records, state.RecordState{CRMID: id, Status: state.StatusDone,
				SeenModifiedAt: now, IdentityKey: "key-" + id, UpdatedAt: now})
			for f := range fields {
				pc.Ledger = append(pc.Ledger, state.LedgerEntry{RunID: "r", CRMObject: "contacts", CRMID: id,
					Field: fmt.Sprint("field", f), OldValue: "", NewValue: "value " + id,
					SourcePath: "contact.jobTitle.title", LushaID: "L" + id, WrittenAt: now})
			}
		}
		return pc
	}
	n := 0
	for b.Loop() {
		b.StopTimer()
		pc := page(n)
		n++
		b.StartTimer()
		if err := s.CommitPage(b.Context(), pc); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n*records), "ns/record")
}
