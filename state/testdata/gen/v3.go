//go:build v3

package main

import (
	"context"
	"time"

	"github.com/leadsync/leadsync/state"
)

// fill writes through the API of schema 3: the page, then the write-ahead
// ledger row of record 3's phone, sent and never answered.
func fill(ctx context.Context, s *state.SQLite) error {
	if err := s.AcquireLease(ctx, "p", "host-a", 24*time.Hour); err != nil {
		return err
	}
	cursor := "c-1"
	if err := s.CommitPage(ctx, state.PageCommit{Pipeline: "p", Records: records(),
		Ledger: []state.LedgerEntry{titleWrite()}, Cursor: &cursor}); err != nil {
		return err
	}
	return s.CommitPage(ctx, state.PageCommit{Pipeline: "p", Ledger: []state.LedgerEntry{phonePending("")}})
}
