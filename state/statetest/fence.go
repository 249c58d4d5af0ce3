package statetest

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/leadsync/leadsync/state"
)

// testFencedCommit checks that a commit carrying a fence writes only while that
// fence holds the pipeline's lease: a stale generation, an expired lease and a
// taken-over lease each write nothing.
func testFencedCommit(t *testing.T, s state.Store, c *Clock) {
	ctx := t.Context()
	a, err := s.Acquire(ctx, "p", "A", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CommitPage(ctx, fencedPage("first", a.Fence())); err != nil {
		t.Fatalf("commit under a live fence: %v", err)
	}
	stale := a.Fence()
	stale.Generation--
	tests := []struct {
		name    string
		advance time.Duration
		takeBy  string // another owner takes the lease first
		fence   state.Fence
		say     string // the error says
	}{
		{"stale generation", 0, "", stale, "generation 0 of A"},
		{"lease expired, nobody took it", time.Minute, "", a.Fence(), "expired at 2026-03-01T09:01:00Z"},
		{"lease taken over", 0, "B", a.Fence(), "held by B (generation 2) until 2026-03-01T09:02:00Z"},
	}
	for _, tt := range tests {
		c.Advance(tt.advance)
		if tt.takeBy != "" {
			if _, err := s.Acquire(ctx, "p", tt.takeBy, time.Minute); err != nil {
				t.Fatal(err)
			}
		}
		err := s.CommitPage(ctx, fencedPage(tt.name, tt.fence))
		if !errors.Is(err, state.ErrLeaseLost) || !strings.Contains(err.Error(), tt.say) {
			t.Errorf("%s: CommitPage = %v; want ErrLeaseLost saying %q", tt.name, err, tt.say)
		}
		assertPage(t, s, "first")
	}
	b, err := s.Acquire(ctx, "p", "B", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CommitPage(ctx, fencedPage("by B", b.Fence())); err != nil {
		t.Fatalf("commit of the new holder: %v", err)
	}
	assertPage(t, s, "by B")
	if err := s.CommitPage(ctx, state.PageCommit{Pipeline: "q", Fence: b.Fence()}); err == nil {
		t.Error("a fence of pipeline p was accepted on a commit of q")
	}
	if err := s.CommitPage(ctx, fencedPage("unfenced", state.Fence{})); err != nil {
		t.Errorf("an unfenced commit: %v", err)
	}
}

// fencedPage is a page that writes a record, a ledger row, a pending row and the
// cursor, each marked with tag.
func fencedPage(tag string, f state.Fence) state.PageCommit {
	return state.PageCommit{Pipeline: "p", Fence: f, Cursor: new(tag),
		Records: []state.RecordState{{CRMID: "1", Status: state.StatusDone, Reason: tag}},
		Ledger: []state.LedgerEntry{
			{RunID: "r", CRMObject: "contacts", CRMID: "1", Field: "title", NewValue: tag},
			{RunID: "r", CRMObject: "contacts", CRMID: "2", Field: "title", NewValue: tag, Pending: true},
		},
		Settle: []string{"2"},
	}
}

// assertPage checks that the last page the store kept is the one marked tag.
func assertPage(t *testing.T, s state.Store, tag string) {
	t.Helper()
	ctx := t.Context()
	if cur, err := s.Cursor(ctx, "p"); err != nil || cur != tag {
		t.Errorf("Cursor = %q, %v; want %q", cur, err, tag)
	}
	recs, err := s.Records(ctx, "p", []string{"1"})
	if err != nil || recs["1"].Reason != tag {
		t.Errorf("record 1 = %+v, %v; want the one of %q", recs["1"], err, tag)
	}
	owned, err := s.Owned(ctx, "contacts", "1")
	if diff := cmp.Diff(map[string]string{"title": tag}, owned); err != nil || diff != "" {
		t.Errorf("Owned (-want +got):\n%s (error %v)", diff, err)
	}
	in, ok := s.(state.Inspector)
	if !ok {
		return
	}
	pending, err := in.PendingWrites(ctx, "p")
	if err != nil || len(pending) != 1 || pending[0].NewValue != tag {
		t.Errorf("pending writes = %+v, %v; want the one of %q", pending, err, tag)
	}
}
