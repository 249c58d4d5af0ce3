//go:build !v1 && !v2 && !v3 && !v4 && !v5 && !v6 && !v7 && !v8 && !v9 && !v10

package main

import (
	"context"
	"time"

	"github.com/leadsync/leadsync/state"
)

// From schema 11 on: the webhook inbox, one delivery received and one processed.
func init() {
	extras = append(extras, func(ctx context.Context, s *state.SQLite) error {
		for _, id := range []string{"pay-1", "pay-2"} {
			if _, err := s.Receive(ctx, state.Delivery{PayloadID: id, Kind: state.InboxSignal,
				Body: []byte(`{"id":"` + id + `"}`), ReceivedAt: at(5 * time.Minute)}); err != nil {
				return err
			}
		}
		return s.Settle(ctx, 1, state.InboxRecorded, at(6*time.Minute))
	})
}
