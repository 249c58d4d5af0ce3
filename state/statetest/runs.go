package statetest

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/leadsync/leadsync/state"
)

func testRuns(t *testing.T, s state.Store, _ *Clock) {
	ctx := t.Context()
	at := func(min int) time.Time { return Epoch.Add(time.Duration(min) * time.Minute) }
	runs := []state.Run{
		{RunID: "a1", Pipeline: "a", Status: "running", StartedAt: at(0), Runner: "host-a"},
		{RunID: "b1", Pipeline: "b", Status: "running", StartedAt: at(1), DryRun: true},
		{RunID: "a2", Pipeline: "a", Status: "running", StartedAt: at(2), Runner: "host-b"},
	}
	for _, r := range runs {
		if err := s.StartRun(ctx, r); err != nil {
			t.Fatalf("StartRun(%s): %v", r.RunID, err)
		}
	}
	finished := state.Run{
		RunID: "a1", Pipeline: "a", Status: "partial", StartedAt: at(0),
		FinishedAt: at(1).Add(1500 * time.Microsecond), Error: "2 records parked",
		Counts: state.RunCounts{RecordsRead: 10, RecordsEnriched: 8, RecordsWritten: 7,
			RecordsSkipped: 1, RecordsFailed: 2, FieldsWritten: 21, CreditsSpent: 16},
	}
	if err := s.FinishRun(ctx, finished); err != nil {
		t.Fatalf("FinishRun: %v", err)
	}
	wantA1 := finished
	wantA1.FinishedAt = ms(finished.FinishedAt)
	wantA1.Runner = "host-a" // StartRun stored it; FinishRun leaves it

	tests := []struct {
		pipeline string
		limit    int
		want     []state.Run
	}{
		{"a", 10, []state.Run{runs[2], wantA1}},
		{"a", 1, []state.Run{runs[2]}},
		{"b", 10, []state.Run{runs[1]}},
		{"", 10, []state.Run{runs[2], runs[1], wantA1}},
		{"", 0, []state.Run{runs[2], runs[1], wantA1}},
		{"none", 10, nil},
	}
	for _, tt := range tests {
		got, err := s.Runs(ctx, tt.pipeline, tt.limit)
		if err != nil {
			t.Fatalf("Runs(%q, %d): %v", tt.pipeline, tt.limit, err)
		}
		if diff := cmp.Diff(tt.want, got, equate); diff != "" {
			t.Errorf("Runs(%q, %d) (-want +got):\n%s", tt.pipeline, tt.limit, diff)
		}
	}
}

func testFinishUnknownRun(t *testing.T, s state.Store, _ *Clock) {
	err := s.FinishRun(t.Context(), state.Run{RunID: "nope", Pipeline: "a", Status: "ok"})
	if err == nil {
		t.Fatal("FinishRun of a run never started: want an error, got nil")
	}
	if runs, err := s.Runs(t.Context(), "", 0); err != nil || len(runs) != 0 {
		t.Errorf("Runs after failed FinishRun = %v, %v; want none", runs, err)
	}
}

func testCursor(t *testing.T, s state.Store, _ *Clock) {
	ctx := t.Context()
	steps := []struct {
		pipeline string
		cursor   *string // committed; nil leaves it
		wantA    string
		wantB    string
	}{
		{"a", nil, "", ""},
		{"a", new("c1"), "c1", ""},
		{"a", nil, "c1", ""},
		{"b", new("x"), "c1", "x"},
		{"a", new("c2"), "c2", "x"},
	}
	for i, st := range steps {
		if err := s.CommitPage(ctx, state.PageCommit{Pipeline: st.pipeline, Cursor: st.cursor}); err != nil {
			t.Fatalf("step %d: CommitPage: %v", i, err)
		}
		for p, want := range map[string]string{"a": st.wantA, "b": st.wantB} {
			got, err := s.Cursor(ctx, p)
			if err != nil || got != want {
				t.Errorf("step %d: Cursor(%s) = %q, %v; want %q", i, p, got, err, want)
			}
		}
	}
}

func testLease(t *testing.T, s state.Store, c *Clock) {
	ctx := t.Context()
	type op int
	const (
		acquire op = iota
		release
	)
	steps := []struct {
		name     string
		advance  time.Duration
		op       op
		pipeline string
		owner    string
		wantHeld bool
	}{
		{"A takes a free lease", 0, acquire, "p", "A", false},
		{"B is refused while A holds it", 0, acquire, "p", "B", true},
		{"another pipeline is independent", 0, acquire, "q", "B", false},
		{"A renews", 30 * time.Second, acquire, "p", "A", false},
		{"renewal extended the expiry", 40 * time.Second, acquire, "p", "B", true},
		{"B steals it once expired", 20 * time.Second, acquire, "p", "B", false},
		{"A is refused now", 0, acquire, "p", "A", true},
		{"A may not release B's lease", 0, release, "p", "A", true},
		{"B is still the holder", 0, acquire, "p", "A", true},
		{"B releases", 0, release, "p", "B", false},
		{"A takes the released lease", 0, acquire, "p", "A", false},
		{"releasing a missing lease is fine", 0, release, "none", "A", false},
	}
	for _, st := range steps {
		c.Advance(st.advance)
		var err error
		if st.op == acquire {
			err = s.AcquireLease(ctx, st.pipeline, st.owner, time.Minute)
		} else {
			err = s.ReleaseLease(ctx, st.pipeline, st.owner)
		}
		if held := errors.Is(err, state.ErrLeaseHeld); held != st.wantHeld || (err != nil && !held) {
			t.Fatalf("%s: err = %v, want held=%v", st.name, err, st.wantHeld)
		}
	}
}
