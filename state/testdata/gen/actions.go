//go:build !v1 && !v2 && !v3 && !v4 && !v5 && !v6 && !v7 && !v8

package main

import (
	"context"
	"time"

	"github.com/leadsync/leadsync/state"
)

// From schema 9 on: a second run that stored its per-field mapping actions.
func init() {
	extras = append(extras, func(ctx context.Context, s *state.SQLite) error {
		r := state.Run{RunID: "r2", Pipeline: "p", Status: "running", StartedAt: at(2 * time.Minute)}
		if err := s.StartRun(ctx, r); err != nil {
			return err
		}
		r.Status, r.FinishedAt = "ok", at(3*time.Minute)
		r.FieldActions = state.FieldActions{"title": {"write": 2, "keep_filled": 1}}
		return s.FinishRun(ctx, r)
	})
}
