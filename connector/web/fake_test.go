package web

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/leadsync/leadsync/state"
)

// fakeSource serves fixed data and records what the pages asked for.
type fakeSource struct {
	overview Overview
	runs     []state.Run // newest first
	changes  map[string][]state.LedgerEntry
	parked   []state.RecordState
	err      error // returned by every method when set

	mu          sync.Mutex
	runsSince   time.Time
	maxChanges  int
	parkedAsked []string // pipeline arguments of Parked
}

func (f *fakeSource) Overview(context.Context) (Overview, error) {
	return f.overview, f.err
}

func (f *fakeSource) Runs(_ context.Context, since time.Time) ([]state.Run, error) {
	f.mu.Lock()
	f.runsSince = since
	f.mu.Unlock()
	var out []state.Run
	for _, r := range f.runs {
		if !r.StartedAt.Before(since) {
			out = append(out, r)
		}
	}
	return out, f.err
}

func (f *fakeSource) Run(_ context.Context, id string, maxChanges int) (RunView, error) {
	f.mu.Lock()
	f.maxChanges = maxChanges
	f.mu.Unlock()
	if f.err != nil {
		return RunView{}, f.err
	}
	i := slices.IndexFunc(f.runs, func(r state.Run) bool { return r.RunID == id })
	if i < 0 {
		return RunView{}, fmt.Errorf("run %q: %w", id, ErrNotFound)
	}
	changes := f.changes[id]
	return RunView{Run: f.runs[i], Changes: changes[:min(len(changes), maxChanges)]}, nil
}

func (f *fakeSource) Parked(_ context.Context, pipeline string, limit int) ([]state.RecordState, error) {
	f.mu.Lock()
	f.parkedAsked = append(f.parkedAsked, pipeline)
	f.mu.Unlock()
	var out []state.RecordState
	for _, r := range f.parked {
		if (pipeline == "" || r.Pipeline == pipeline) && len(out) < limit {
			out = append(out, r)
		}
	}
	return out, f.err
}
