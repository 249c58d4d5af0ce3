//go:build !v1 && !v2 && !v3 && !v4 && !v5

package main

import (
	"context"
	"time"

	"github.com/leadsync/leadsync/state"
)

// From schema 6 on: an identity claim, live for a day.
func init() {
	extras = append(extras, func(ctx context.Context, s *state.SQLite) error {
		_, err := s.ClaimIdentities(ctx, "host-a", []string{"key-4"}, 24*time.Hour)
		return err
	})
}
