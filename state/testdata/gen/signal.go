//go:build !v1 && !v2 && !v3 && !v4 && !v5 && !v6 && !v7 && !v8 && !v9 && !v10 && !v11

package main

import (
	"context"
	"time"

	"github.com/leadsync/leadsync/state"
)

// From schema 12 on: a signal delivery pay-3, acted on by a commit that wrote
// record 1's job_changed_on with a ledger row carrying its id, then applied.
func init() {
	extras = append(extras, func(ctx context.Context, s *state.SQLite) error {
		if _, err := s.Receive(ctx, state.Delivery{PayloadID: "pay-3", Kind: state.InboxSignal,
			Body: []byte(`{"id":"pay-3"}`), ReceivedAt: at(7 * time.Minute)}); err != nil {
			return err
		}
		if err := s.CommitPage(ctx, state.PageCommit{Pipeline: "p", Account: "acct-a",
			Ledger: []state.LedgerEntry{{RunID: "signal:pay-3", CRMObject: "contacts", CRMID: "1",
				Field: "job_changed_on", NewValue: "2026-11-24", SourcePath: "signal.signalDate",
				LushaID: "L1", SignalID: "pay-3", WrittenAt: at(8 * time.Minute)}}}); err != nil {
			return err
		}
		return s.Settle(ctx, 3, state.InboxApplied, at(9*time.Minute))
	})
}
