//go:build cgo

package state_test

import (
	"path/filepath"
	"testing"

	"github.com/leadsync/leadsync/state"
)

// A rotated refresh token outlives the process: stored, replaced by the next one,
// and found by a store opened again on the same file, in the 0600 file.
func TestRefreshTokens(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := state.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	if tok, err := s.RefreshToken(t.Context(), "sf#1"); err != nil || tok != "" {
		t.Fatalf("nothing stored: %q, %v", tok, err)
	}
	for _, tok := range []string{"5Aep861-first", "5Aep861-second"} {
		if err := s.SaveRefreshToken(t.Context(), "sf#1", tok); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SaveRefreshToken(t.Context(), "hs#2", "other"); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveRefreshToken(t.Context(), "sf#1", ""); err == nil {
		t.Error("an empty token was saved")
	}
	s.Close()

	s, err = state.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if tok, err := s.RefreshToken(t.Context(), "sf#1"); err != nil || tok != "5Aep861-second" {
		t.Errorf("after reopening: %q, %v; want the last token saved", tok, err)
	}
	if mode := modeOf(t, path); mode != 0o600 {
		t.Errorf("state file mode %o, want 600", mode)
	}
}
