package state_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a store leaves a goroutine running after its
// Close: the PostgreSQL pool's health checks, SQLite's connection openers.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
