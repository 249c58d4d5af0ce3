package web

import (
	"cmp"
	"net/http"
	"slices"

	"github.com/leadsync/leadsync/state"
)

type overviewPage struct {
	common
	Credits      CreditsView
	CreditsShare int // percent of the daily budget spent, for the meter
	Reload       ReloadView
	Rows         []pipelineRow
	Chart        chart
	CreditsChart creditsChart
	Recent       []state.Run
	ChartDays    int
	Cluster      *ClusterView
	Subs         *SubscriptionsView
}

// pipelineRow is a PipelineView with what the template derives from it.
type pipelineRow struct {
	PipelineView
	Status        string
	Parked        int
	ParkedClasses []classCount
	CreditsPerDay int
}

type classCount struct {
	Class string
	N     int
}

func (s *server) overview(w http.ResponseWriter, r *http.Request) {
	ov, err := s.src.Overview(r.Context())
	if err != nil {
		s.sourceFailed(w, r, err)
		return
	}
	now := s.opts.Now()
	runs, err := s.src.Runs(r.Context(), now.Add(-s.opts.ChartWindow))
	if err != nil {
		s.sourceFailed(w, r, err)
		return
	}
	page := overviewPage{
		common:       common{Title: "leadsync status", Now: now, Refresh: int(s.opts.Refresh.Seconds())},
		Credits:      ov.Credits,
		Reload:       ov.Reload,
		Chart:        newChart(runs, s.opts.Location),
		CreditsChart: newCreditsChart(ov.CreditsByDay, ov.Credits.PerDay, now),
		Recent:       runs[:min(len(runs), s.opts.RecentRuns)],
		ChartDays:    max(1, int(s.opts.ChartWindow.Hours()/24)),
		Cluster:      ov.Cluster,
		Subs:         ov.Subscriptions,
	}
	if ov.Credits.PerDay > 0 {
		page.CreditsShare = min(100, 100*ov.Credits.SpentToday/ov.Credits.PerDay)
	}
	for _, p := range ov.Pipelines {
		page.Rows = append(page.Rows, newPipelineRow(p, ov.Credits.PerDay))
	}
	s.render(w, http.StatusOK, "overview", page)
}

func newPipelineRow(p PipelineView, perDay int) pipelineRow {
	row := pipelineRow{PipelineView: p, Status: pipelineStatus(p), CreditsPerDay: perDay}
	for class, n := range p.ParkedByClass {
		if n <= 0 {
			continue
		}
		row.Parked += n
		row.ParkedClasses = append(row.ParkedClasses, classCount{Class: orNone(class), N: n})
	}
	slices.SortFunc(row.ParkedClasses, func(a, b classCount) int {
		return cmp.Or(cmp.Compare(b.N, a.N), cmp.Compare(a.Class, b.Class))
	})
	return row
}

// pipelineStatus is what the status column says: a stop or a run in progress
// outranks the outcome of the last run.
func pipelineStatus(p PipelineView) string {
	switch {
	case p.Stopped != "":
		return "stopped"
	case p.Running:
		return "running"
	case p.LastRun == nil:
		return "never run"
	default:
		return p.LastRun.Status
	}
}

func orNone(class string) string {
	if class == "" {
		return "none"
	}
	return class
}
