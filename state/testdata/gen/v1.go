//go:build v1 || v2

package main

import (
	"context"
	"time"

	"github.com/leadsync/leadsync/state"
)

// fill writes through the API of schemas 1 and 2: a lease, the page with its
// cursor and ledger row (there are no pending ledger rows yet).
func fill(ctx context.Context, s *state.SQLite) error {
	if err := s.AcquireLease(ctx, "p", "host-a", 24*time.Hour); err != nil {
		return err
	}
	cursor := "c-1"
	return s.CommitPage(ctx, state.PageCommit{Pipeline: "p", Records: records(),
		Ledger: []state.LedgerEntry{titleWrite()}, Cursor: &cursor})
}
