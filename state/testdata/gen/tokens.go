//go:build !v1 && !v2 && !v3 && !v4 && !v5 && !v6 && !v7

package main

import (
	"context"

	"github.com/leadsync/leadsync/state"
)

// From schema 8 on: a rotated OAuth refresh token.
func init() {
	extras = append(extras, func(ctx context.Context, s *state.SQLite) error {
		return s.SaveRefreshToken(ctx, "sf:acct-a", "rt-1")
	})
}
