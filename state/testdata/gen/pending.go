//go:build !v1 && !v2 && !v3 && !v4

package main

import (
	"context"
	"time"

	"github.com/leadsync/leadsync/state"
)

// golden account of the files from schema 5 on, which key rows by CRM account.
const account = "acct-a"

// fill writes through the API of schema 5 and later: rows keyed by the CRM
// account, and record 3 left 'unknown' with its pending phone write.
func fill(ctx context.Context, s *state.SQLite) error {
	l, err := s.Acquire(ctx, "p", "host-a", 24*time.Hour)
	if err != nil {
		return err
	}
	cursor := "c-1"
	recs := records()
	for i := range recs {
		recs[i].Account = account
	}
	if err := s.CommitPage(ctx, state.PageCommit{Pipeline: "p", Account: account, Records: recs,
		Ledger: []state.LedgerEntry{withAccount(titleWrite())}, Cursor: &cursor, Fence: l.Fence()}); err != nil {
		return err
	}
	unknown := recs[2]
	unknown.Status, unknown.Class, unknown.Reason = state.StatusUnknown, "timeout", "write timed out"
	return s.CommitPage(ctx, state.PageCommit{Pipeline: "p", Account: account,
		Records: []state.RecordState{unknown},
		Ledger:  []state.LedgerEntry{withAccount(phonePending(account))}, Fence: l.Fence()})
}

func withAccount(e state.LedgerEntry) state.LedgerEntry {
	e.Account = account
	return e
}
