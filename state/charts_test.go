//go:build cgo

package state_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/leadsync/leadsync/state"
)

// TestFieldActionsOf: FinishRun stores a run's field actions, a second FinishRun
// replaces them, and FieldActionsOf sums them over the pipeline's runs since a
// time, leaving out dry runs, other pipelines and older runs.
func TestFieldActionsOf(t *testing.T) { eachBackend(t, testFieldActionsOf) }

func testFieldActionsOf(t *testing.T, open opener) {
	ctx := t.Context()
	s := open(t)
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	type mapAction string
	finish := func(id, pipeline string, dry bool, started time.Time, fa map[string]map[mapAction]int) {
		t.Helper()
		r := state.Run{RunID: id, Pipeline: pipeline, DryRun: dry, Status: "running", StartedAt: started}
		if err := s.StartRun(ctx, r); err != nil {
			t.Fatal(err)
		}
		r.Status, r.FinishedAt, r.FieldActions = "ok", started.Add(time.Minute), state.ActionCounts(fa)
		if err := s.FinishRun(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	finish("old", "p", false, t0.Add(-48*time.Hour), map[string]map[mapAction]int{"title": {"write": 100}})
	finish("r1", "p", false, t0, map[string]map[mapAction]int{"title": {"write": 9}})
	// FinishRun again (the same run id) replaces the counts.
	finish2 := state.Run{RunID: "r1", Pipeline: "p", Status: "ok", FinishedAt: t0.Add(time.Minute),
		FieldActions: state.ActionCounts(map[string]map[mapAction]int{"title": {"write": 2, "keep_filled": 3}})}
	if err := s.FinishRun(ctx, finish2); err != nil {
		t.Fatal(err)
	}
	finish("r2", "p", false, t0.Add(time.Hour), map[string]map[mapAction]int{
		"title": {"write": 1, "no_value": 4}, "phone": {"keep_same": 2, "zero": 0}})
	finish("dry", "p", true, t0.Add(time.Hour), map[string]map[mapAction]int{"title": {"write": 50}})
	finish("other", "q", false, t0.Add(time.Hour), map[string]map[mapAction]int{"title": {"write": 70}})
	finish("none", "p", false, t0.Add(2*time.Hour), nil)

	got, err := s.FieldActionsOf(ctx, "p", t0.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	want := state.FieldActions{"title": {"write": 3, "keep_filled": 3, "no_value": 4}, "phone": {"keep_same": 2}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("FieldActionsOf (-want +got):\n%s", d)
	}
	if got, err := s.FieldActionsOf(ctx, "nobody", t0); err != nil || len(got) != 0 {
		t.Errorf("FieldActionsOf(nobody) = %v, %v; want empty", got, err)
	}
	runs, err := s.Runs(ctx, "p", 0)
	if err != nil || len(runs) != 5 {
		t.Fatalf("Runs = %d, %v", len(runs), err)
	}
}

// TestCreditsByDay sums spend per UTC day from the day of since on, per pipeline
// or for all.
func TestCreditsByDay(t *testing.T) { eachBackend(t, testCreditsByDay) }

func testCreditsByDay(t *testing.T, open opener) {
	ctx := t.Context()
	s := open(t)
	day := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	spend := func(pipeline string, credits int, at time.Time) {
		t.Helper()
		if err := s.SaveEnrichments(ctx, state.Spend{Pipeline: pipeline, RunID: "r", Call: "contacts/search",
			Credits: credits, At: at}, nil); err != nil {
			t.Fatal(err)
		}
	}
	spend("p", 100, day.Add(-72*time.Hour))             // before the window
	spend("p", 1, day.Add(-1*time.Millisecond))         // the day before since's day
	spend("p", 2, day)                                  // midnight opens a day
	spend("q", 3, day.Add(23*time.Hour+59*time.Minute)) // same day, another pipeline
	spend("p", 5, day.Add(48*time.Hour+time.Second))    // a day later, one day skipped

	got, err := s.CreditsByDay(ctx, "", day.Add(-time.Hour)) // since's day is the 9th
	if err != nil {
		t.Fatal(err)
	}
	want := []state.DayCredits{{Day: day.Add(-24 * time.Hour), Credits: 1}, {Day: day, Credits: 5},
		{Day: day.Add(48 * time.Hour), Credits: 5}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("CreditsByDay(all) (-want +got):\n%s", d)
	}
	got, err = s.CreditsByDay(ctx, "q", day.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]state.DayCredits{{Day: day, Credits: 3}}, got); d != "" {
		t.Errorf("CreditsByDay(q) (-want +got):\n%s", d)
	}
}
