package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/leadsync/leadsync/connector"
	"github.com/leadsync/leadsync/mapping"
	"github.com/leadsync/leadsync/state"
)

func cmdSync(ctx context.Context, e *env, args []string) int {
	fs := newFlags(e, "sync")
	cfgPath := fs.String("c", defaultConfig, "config file")
	pipeline := fs.String("p", "", "run only this pipeline")
	dry := fs.Bool("dry-run", false, "write nothing to the CRM and move no cursor; show what would change")
	live := fs.Bool("live", false, "with --dry-run: buy missing Lusha answers (and cache them)")
	limit := fs.Int("limit", 0, "stop each pipeline after N records (the cursor stays)")
	maxCredits := fs.Int("max-credits", 0, "with --dry-run --live: spend at most N credits")
	remap := fs.Bool("remap", false, "apply the current mapping to every record with a cached answer; buys nothing")
	asJSON := fs.Bool("json", false, "print one JSON object per pipeline run")
	var lf logFlags
	lf.register(fs)
	if code, ok := parse(fs, args); !ok {
		return code
	}
	switch {
	case *live && !*dry:
		fmt.Fprintln(e.stderr, "leadsync sync: --live only goes with --dry-run")
		return exitUsage
	case *maxCredits > 0 && !*live:
		fmt.Fprintln(e.stderr, "leadsync sync: --max-credits only goes with --dry-run --live")
		return exitUsage
	case *remap && *dry:
		fmt.Fprintln(e.stderr, "leadsync sync: --remap writes; for a preview, run --dry-run after the mapping change")
		return exitUsage
	}
	eng, _, code := openEngine(ctx, e, *cfgPath, lf)
	if eng == nil {
		return code
	}
	defer eng.Close()
	pipelines := eng.Pipelines
	if *pipeline != "" {
		p, ok := eng.Pipeline(*pipeline)
		if !ok {
			fmt.Fprintf(e.stderr, "leadsync sync: no enabled pipeline %q\n", *pipeline)
			return exitUsage
		}
		pipelines = []*connector.Pipeline{p}
	}
	if !*asJSON && isTerminal(e.stderr) {
		eng.Runner.Progress = progressLine(e.stderr)
		defer fmt.Fprintln(e.stderr)
	}
	sums, err := syncAll(ctx, eng, pipelines, connector.RunOptions{DryRun: *dry, Live: *live, MaxCredits: *maxCredits, Limit: *limit, Remap: *remap})
	printSummaries(e.stdout, sums, *asJSON)
	if err != nil {
		fmt.Fprintf(e.stderr, "leadsync sync: %v\n", err)
		return exitFailed
	}
	return syncExit(sums)
}

// syncAll runs each pipeline once, in order.
func syncAll(ctx context.Context, eng *connector.Engine, ps []*connector.Pipeline, opts connector.RunOptions) ([]connector.Summary, error) {
	var sums []connector.Summary
	for _, p := range ps {
		sum, err := eng.Runner.Run(ctx, p, opts)
		if _, named := errors.AsType[*state.LeaseHeldError](err); named {
			return sums, err // it says which pipeline, who holds it and until when
		}
		if err != nil {
			return sums, fmt.Errorf("pipeline %s: %w", p.Name, err)
		}
		sums = append(sums, sum)
	}
	return sums, nil
}

// syncExit is 1 when a run failed or its upstream was unavailable, 3 when a dry run
// found invalid mapped values, else 0: spent budgets and quotas end runs cleanly.
func syncExit(sums []connector.Summary) int {
	code := exitOK
	for _, s := range sums {
		switch {
		case s.Status == connector.RunFailed || s.Status == connector.RunUpstreamUnavailable:
			return exitFailed
		case s.DryRun && (invalidCount(s) > 0 || len(s.MappingErrors) > 0):
			code = exitMapping
		}
	}
	return code
}

func invalidCount(s connector.Summary) int {
	n := 0
	for _, acts := range s.FieldActions {
		n += acts[mapping.ActionInvalid]
	}
	return n
}

func printSummaries(w io.Writer, sums []connector.Summary, asJSON bool) {
	if asJSON {
		enc := json.NewEncoder(w)
		for _, s := range sums {
			_ = enc.Encode(s)
		}
		return
	}
	for _, s := range sums {
		mode := ""
		if s.DryRun {
			mode = " (dry run: nothing written)"
		}
		fmt.Fprintf(w, "%s  run %s  %s%s\n", s.Pipeline, s.RunID, s.Status, mode)
		fmt.Fprintf(w, "  read %d  enriched %d  written %d (%d fields)  skipped %d  failed %d  credits %d  %dms\n",
			s.RecordsRead, s.RecordsEnriched, s.RecordsWritten, s.FieldsWritten, s.RecordsSkipped,
			s.RecordsFailed, s.CreditsSpent, s.DurationMS)
		if s.Error != "" {
			fmt.Fprintf(w, "  stopped: %s\n", s.Error)
		}
		for _, e := range s.MappingErrors {
			fmt.Fprintf(w, "  mapping: %s\n", e)
		}
		if s.DryRun {
			printActions(w, s.FieldActions)
			printChanges(w, s)
		}
	}
}

func printActions(w io.Writer, acts map[string]map[mapping.Action]int) {
	fields := make([]string, 0, len(acts))
	for f := range acts {
		fields = append(fields, f)
	}
	slices.Sort(fields)
	for _, f := range fields {
		var parts []string
		for a, n := range acts[f] {
			parts = append(parts, fmt.Sprintf("%s=%d", a, n))
		}
		slices.Sort(parts)
		fmt.Fprintf(w, "  %-28s %s\n", f, strings.Join(parts, " "))
	}
}

// printChanges prints a dry run's plan as a table: one line per record and field.
func printChanges(w io.Writer, s connector.Summary) {
	if len(s.Changes) == 0 {
		return
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  RECORD\tFIELD\tDECISION\tOLD\tNEW\tNOTE")
	for _, c := range s.Changes {
		note := c.Reason
		if c.Action == connector.ActionWouldEnrich {
			note = fmt.Sprintf("about %d credits", c.Credits)
		}
		record := c.RecordID
		if c.Object != "" { // a company record of a people pipeline: its id may be a person's too
			record = c.Object + "/" + record
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\n", record, c.Field, c.Action, clip(c.Old), clip(c.New), note)
	}
	_ = tw.Flush()
	if s.ChangesCut > 0 {
		fmt.Fprintf(w, "  … and %d more lines (narrow with --limit)\n", s.ChangesCut)
	}
}

func clip(v string) string {
	if r := []rune(v); len(r) > 40 {
		return string(r[:39]) + "…"
	}
	return v
}

// progressLine rewrites one terminal line after every page: records read, enriched and
// written, the rate, and an ETA when the CRM said how many records the read holds.
func progressLine(w io.Writer) func(connector.Progress) {
	return func(p connector.Progress) {
		rate := 0.0
		if secs := p.Elapsed.Seconds(); secs > 0 {
			rate = float64(p.RecordsRead) / secs
		}
		eta := ""
		if p.Total > p.RecordsRead && rate > 0 {
			left := time.Duration(float64(p.Total-p.RecordsRead) / rate * float64(time.Second))
			eta = fmt.Sprintf("  ETA %s", left.Round(time.Second))
		}
		fmt.Fprintf(w, "\r\033[K%s: read %d  enriched %d  written %d  %.0f/s%s",
			p.Pipeline, p.RecordsRead, p.RecordsEnriched, p.RecordsWritten, rate, eta)
	}
}
