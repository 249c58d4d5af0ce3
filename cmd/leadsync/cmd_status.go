package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/leadsync/leadsync/state"
)

// pipelineStatus is what `leadsync status` shows for one pipeline.
type pipelineStatus struct {
	Pipeline string      `json:"pipeline"`
	Cursor   string      `json:"cursor"`
	LastRuns []state.Run `json:"last_runs"`
}

func cmdStatus(ctx context.Context, e *env, args []string) int {
	fs := newFlags(e, "status")
	cfgPath := fs.String("c", defaultConfig, "config file")
	asJSON := fs.Bool("json", false, "print JSON")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	cfg, code := loadConfig(e, *cfgPath)
	if cfg == nil {
		return code
	}
	store, err := state.Open(ctx, cfg.Resolve(cfg.State.Path))
	if err != nil {
		fmt.Fprintf(e.stderr, "leadsync status: %v\n", err)
		return exitFailed
	}
	defer store.Close()
	var out []pipelineStatus
	for _, p := range cfg.Pipelines {
		cur, err := store.Cursor(ctx, p.Name)
		if err != nil {
			fmt.Fprintf(e.stderr, "leadsync status: %v\n", err)
			return exitFailed
		}
		runs, err := store.Runs(ctx, p.Name, 5)
		if err != nil {
			fmt.Fprintf(e.stderr, "leadsync status: %v\n", err)
			return exitFailed
		}
		out = append(out, pipelineStatus{Pipeline: p.Name, Cursor: cur, LastRuns: runs})
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		for _, s := range out {
			_ = enc.Encode(s)
		}
		return exitOK
	}
	for _, s := range out {
		fmt.Fprintf(e.stdout, "%s\n  cursor: %q\n", s.Pipeline, s.Cursor)
		if len(s.LastRuns) == 0 {
			fmt.Fprintln(e.stdout, "  no runs yet")
		}
		for _, r := range s.LastRuns {
			fmt.Fprintf(e.stdout, "  %s  %-20s read %d  written %d  credits %d  %s\n",
				r.StartedAt.Format("2006-01-02 15:04:05Z"), r.Status, r.Counts.RecordsRead,
				r.Counts.RecordsWritten, r.Counts.CreditsSpent, r.Error)
		}
	}
	return exitOK
}
