//go:build v4

package main

import (
	"context"
	"time"

	"github.com/leadsync/leadsync/state"
)

// fill writes through the API of schema 4: a lease with its generation, and
// fenced commits.
func fill(ctx context.Context, s *state.SQLite) error {
	l, err := s.Acquire(ctx, "p", "host-a", 24*time.Hour)
	if err != nil {
		return err
	}
	cursor := "c-1"
	if err := s.CommitPage(ctx, state.PageCommit{Pipeline: "p", Records: records(),
		Ledger: []state.LedgerEntry{titleWrite()}, Cursor: &cursor, Fence: l.Fence()}); err != nil {
		return err
	}
	return s.CommitPage(ctx, state.PageCommit{Pipeline: "p", Ledger: []state.LedgerEntry{phonePending("")},
		Fence: l.Fence()})
}
