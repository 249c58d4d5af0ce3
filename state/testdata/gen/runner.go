//go:build !v1 && !v2 && !v3 && !v4 && !v5 && !v6 && !v7 && !v8 && !v9

package main

import (
	"context"
	"time"

	"github.com/leadsync/leadsync/state"
)

// From schema 10 on: a run that records who ran it.
func init() {
	extras = append(extras, func(ctx context.Context, s *state.SQLite) error {
		return s.StartRun(ctx, state.Run{RunID: "r3", Pipeline: "p", Status: "running",
			StartedAt: at(4 * time.Minute), Runner: "host-a"})
	})
}
