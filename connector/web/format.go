package web

import (
	"fmt"
	"html/template"
	"net/url"
	"strings"
	"time"
)

func (s *server) funcs() template.FuncMap {
	return template.FuncMap{
		"ago":         func(t time.Time) string { return relative(t, s.opts.Now()) },
		"when":        func(t time.Time) string { return absolute(t, s.opts.Location) },
		"duration":    humanDuration,
		"runURL":      func(id string) string { return "/runs/" + url.PathEscape(id) },
		"parkedURL":   parkedURL,
		"pipelineURL": pipelineURL,
		"status":      statusClass,
		"breaker":     breakerClass,
		"runTime":     runDuration,
		"replicaOf":   replicaOf,
	}
}

// replicaOf is the replica in a cluster run's Runner, "<replica>/job-<id>.<attempt>"
// (connector/cluster's tick owners); a run of a single process shows whole.
func replicaOf(runner string) string {
	replica, _, _ := strings.Cut(runner, "/job-")
	return replica
}

func parkedURL(pipeline string) string {
	if pipeline == "" {
		return "/parked"
	}
	return "/parked?" + url.Values{"pipeline": {pipeline}}.Encode()
}

// relative prints t against now: "3m ago", "in 2m", "just now"; "—" for a zero time.
func relative(t, now time.Time) string {
	if t.IsZero() {
		return "—"
	}
	d := now.Sub(t)
	switch {
	case d >= -time.Second && d <= time.Second:
		return "just now"
	case d > 0:
		return humanDuration(d) + " ago"
	default:
		return "in " + humanDuration(-d)
	}
}

func absolute(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(loc).Format("2006-01-02 15:04:05 MST")
}

// humanDuration prints d with its two largest units: "42s", "3m05s", "2h10m", "3d4h".
func humanDuration(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d < 0:
		return "-" + humanDuration(-d)
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	default:
		return fmt.Sprintf("%dd%dh", int(d.Hours())/24, int(d.Hours())%24)
	}
}

// runDuration prints how long a run took, or has been running, at now.
func runDuration(startedAt, finishedAt time.Time) string {
	if startedAt.IsZero() || finishedAt.IsZero() {
		return "—"
	}
	return humanDuration(finishedAt.Sub(startedAt))
}

// statusClass picks the colour of a run or pipeline status.
func statusClass(status string) string {
	switch status {
	case "ok":
		return "st-ok"
	case "partial", "credits_exhausted", "quota_exhausted":
		return "st-warn"
	case "failed", "upstream_unavailable", "stopped":
		return "st-bad"
	case "running":
		return "st-run"
	default:
		return "st-idle"
	}
}

func breakerClass(state string) string {
	switch state {
	case "closed":
		return "st-ok"
	case "half-open":
		return "st-warn"
	case "open":
		return "st-bad"
	default:
		return "st-idle"
	}
}
