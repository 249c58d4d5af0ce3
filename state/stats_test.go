//go:build cgo

package state_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/leadsync/leadsync/state"
	"github.com/leadsync/leadsync/state/statetest"
)

func TestStatusReads(t *testing.T) { eachBackend(t, testStatusReads) }

func testStatusReads(t *testing.T, open opener) {
	ctx := t.Context()
	clock := statetest.NewClock()
	s := open(t, state.WithClock(clock.Now))
	t0 := statetest.Epoch
	rec := func(id, status, class string, next time.Duration) state.RecordState {
		r := state.RecordState{CRMID: id, Status: status, Class: class, UpdatedAt: t0}
		if next != 0 {
			r.NextAttempt = t0.Add(next)
		}
		return r
	}
	recs := []state.RecordState{
		rec("d1", state.StatusDone, "", 0),
		rec("d2", state.StatusDone, "", 0),
		rec("s1", state.StatusSkipped, "no_match", 0),
		rec("p1", state.StatusParked, "invalid", 2*time.Hour),
		rec("p2", state.StatusParked, "invalid", time.Hour),
		rec("p3", state.StatusParked, "unavailable", 0), // no retry time: last
		rec("w1", state.StatusPending, "rate_limited", 30*time.Minute),
	}
	if err := s.CommitPage(ctx, state.PageCommit{Pipeline: "p", Records: recs, Cursor: new("c9")}); err != nil {
		t.Fatal(err)
	}
	if err := s.CommitPage(ctx, state.PageCommit{Pipeline: "q", Records: []state.RecordState{rec("x", state.StatusDone, "", 0)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Acquire(ctx, "p", "host-1", time.Minute); err != nil {
		t.Fatal(err)
	}
	for i, id := range []string{"r1", "r2"} {
		if err := s.StartRun(ctx, state.Run{RunID: id, Pipeline: "p", Status: "running", StartedAt: t0.Add(time.Duration(i) * time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}

	wantCounts := map[string]map[string]int{
		"done":    {"": 2},
		"skipped": {"no_match": 1},
		"parked":  {"invalid": 2, "unavailable": 1},
		"pending": {"rate_limited": 1},
	}
	st, err := s.Stats(ctx, "p")
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	want := state.PipelineStats{Pipeline: "p", Cursor: "c9", CursorUpdatedAt: t0, LeaseOwner: "host-1",
		LeaseExpiresAt: t0.Add(time.Minute), LeaseGeneration: 1, LastRun: &state.Run{RunID: "r2", Pipeline: "p", Status: "running",
			StartedAt: t0.Add(time.Minute)}, Records: wantCounts}
	if diff := cmp.Diff(want, st); diff != "" {
		t.Errorf("Stats(p) (-want +got):\n%s", diff)
	}
	// A released lease shows no holder, and keeps its generation.
	if err := s.ReleaseLease(ctx, "p", "host-1"); err != nil {
		t.Fatal(err)
	}
	want.LeaseOwner, want.LeaseExpiresAt = "", time.Time{}
	if st, err := s.Stats(ctx, "p"); err != nil || cmp.Diff(want, st) != "" {
		t.Errorf("Stats(p) after release (-want +got):\n%s (error %v)", cmp.Diff(want, st), err)
	}
	empty, err := s.Stats(ctx, "none")
	if err != nil || cmp.Diff(state.PipelineStats{Pipeline: "none"}, empty, cmpopts.EquateEmpty()) != "" {
		t.Errorf("Stats(none) = %+v, %v; want empty", empty, err)
	}
	all, err := s.RecordCounts(ctx, "")
	if err != nil || all["done"][""] != 3 {
		t.Errorf(`RecordCounts("")["done"][""] = %v, %v; want 3`, all["done"][""], err)
	}

	ids := func(rs []state.RecordState) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.CRMID)
		}
		return out
	}
	parked, err := s.Parked(ctx, "p", 0)
	if err != nil || !cmp.Equal(ids(parked), []string{"p2", "p1", "p3"}) {
		t.Errorf("Parked = %v, %v; want [p2 p1 p3]", ids(parked), err)
	}
	tests := []struct {
		at    time.Duration
		limit int
		want  []string
	}{
		{0, 0, nil},
		{time.Hour, 0, []string{"w1", "p2"}},
		{3 * time.Hour, 0, []string{"w1", "p2", "p1"}},
		{3 * time.Hour, 1, []string{"w1"}},
	}
	for _, tt := range tests {
		due, err := s.Due(ctx, "p", t0.Add(tt.at), tt.limit)
		if err != nil || !cmp.Equal(ids(due), tt.want) {
			t.Errorf("Due(+%v, %d) = %v, %v; want %v", tt.at, tt.limit, ids(due), err, tt.want)
		}
	}

	n, err := s.ReleaseParked(ctx, "p", "invalid", t0)
	if err != nil || n != 2 {
		t.Fatalf("ReleaseParked(invalid) = %d, %v; want 2", n, err)
	}
	due, err := s.Due(ctx, "p", t0, 0)
	if err != nil || !cmp.Equal(ids(due), []string{"p1", "p2"}) {
		t.Errorf("Due after release = %v, %v; want [p1 p2]", ids(due), err)
	}
}
