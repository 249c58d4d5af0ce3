package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/leadsync/leadsync/connector"
	"github.com/leadsync/leadsync/connector/web"
)

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
	store, err := connector.OpenStore(ctx, cfg, e.getenv)
	if err != nil {
		fmt.Fprintf(e.stderr, "leadsync status: %v\n", err)
		return exitFailed
	}
	defer store.Close()
	o, err := (&connector.Status{Config: cfg, Store: store}).Overview(ctx)
	if err != nil {
		fmt.Fprintf(e.stderr, "leadsync status: %v\n", err)
		return exitFailed
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(o)
		return exitOK
	}
	printOverview(e.stdout, o, time.Now())
	return exitOK
}

// printOverview prints the status page's facts as a terminal table.
func printOverview(w io.Writer, o web.Overview, now time.Time) {
	budget := "no daily cap"
	if o.Credits.PerDay > 0 {
		budget = fmt.Sprintf("of %d today", o.Credits.PerDay)
	}
	fmt.Fprintf(w, "credits spent today: %d %s\n\n", o.Credits.SpentToday, budget)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PIPELINE\tLAST RUN\tSTATUS\tREAD\tWRITTEN\tCREDITS TODAY\tCURSOR LAG\tQUEUED\tPARKED\tNEXT RUN")
	for _, p := range o.Pipelines {
		last, status, read, written := "never", "-", "-", "-"
		if r := p.LastRun; r != nil {
			last, status = r.StartedAt.Format("2006-01-02 15:04:05Z"), r.Status
			read, written = fmt.Sprint(r.Counts.RecordsRead), fmt.Sprint(r.Counts.RecordsWritten)
		}
		if p.Stopped != "" {
			status = "stopped: " + p.Stopped
		}
		lag := "-"
		if p.HasCursor {
			lag = p.CursorLag.Round(time.Second).String()
		}
		next := "-"
		if !p.NextRun.IsZero() {
			next = p.NextRun.Sub(now).Round(time.Second).String()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t%d\t%s\t%s\n", p.Name, last, status, read, written,
			p.CreditsToday, lag, p.Queued, byClass(p.ParkedByClass), next)
	}
	_ = tw.Flush()
	if o.Cluster != nil {
		printCluster(w, o.Cluster, now)
	}
}

// printCluster prints who leads the replicas and who ran the latest ticks.
func printCluster(w io.Writer, c *web.ClusterView, now time.Time) {
	fmt.Fprintf(w, "\ncluster leader: %s\n", cmp.Or(c.Leader, "none elected"))
	if len(c.Ticks) == 0 {
		return
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TICK OF\tPIPELINE\tSTATE\tRAN ON\tATTEMPT")
	for _, t := range c.Ticks {
		fmt.Fprintf(tw, "%s ago\t%s\t%s\t%s\t%d\n", now.Sub(t.ScheduledAt).Round(time.Second), t.Pipeline, t.State,
			cmp.Or(t.Replica, "-"), t.Attempt)
	}
	_ = tw.Flush()
}

func byClass(m map[string]int) string {
	if len(m) == 0 {
		return "0"
	}
	var parts []string
	total := 0
	for _, c := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s=%d", c, m[c]))
		total += m[c]
	}
	return fmt.Sprintf("%d (%s)", total, strings.Join(parts, " "))
}
