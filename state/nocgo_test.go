//go:build !cgo

package state_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/leadsync/leadsync/state"
)

// Run with CGO_ENABLED=0 go test ./state: the other tests need cgo and are skipped.
func TestOpenWithoutCgo(t *testing.T) {
	s, err := state.Open(t.Context(), filepath.Join(t.TempDir(), "state.db"))
	if err == nil {
		s.Close()
		t.Fatal("Open without cgo: want an error, got nil")
	}
	if !strings.Contains(err.Error(), "CGO_ENABLED=1") {
		t.Errorf("Open error = %q; want it to say how to fix the build", err)
	}
}
