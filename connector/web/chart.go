package web

import (
	"fmt"
	"net/url"
	"slices"
	"time"

	"github.com/leadsync/leadsync/state"
)

// The chart is drawn server-side as inline SVG: one bar per run, oldest on the
// left, records on top and credits below, each panel scaled to its own maximum.
const (
	chartWidth   = 720
	chartLeft    = 48 // room for the scale labels
	chartRight   = 8
	panelHeight  = 80
	recordsTop   = 24
	creditsTop   = recordsTop + panelHeight + 28
	chartHeight  = creditsTop + panelHeight + 24
	maxBarWidth  = 24.0
	maxChartBars = 240 // beyond this bars get thinner than 2px: keep the newest
	zeroBar      = 2.0 // a run with a zero value still shows (and links) as a stub
)

type chart struct {
	Width, Height    int
	Left, AxisEnd    int // x range of the plot
	CenterX, CenterY int // where "no runs" is written
	Runs             int // runs drawn
	Dropped          int // older runs left out
	Records          panel
	Credits          panel
	From, To         string // labels under the x axis
}

type panel struct {
	Title         string
	Class         string // CSS class that colours the bars
	Left, AxisEnd int
	LabelX        int // right edge of the scale labels
	Top           int
	Height        int
	Base          int // y of the x axis
	Max           int
	Bars          []bar
	TitleY        int
	MaxLabel      int // y of the max label
}

// bar is one run; Inner is an optional second value drawn inside it (records
// written within records read).
type bar struct {
	X, W           float64
	Y, H           float64
	InnerY, InnerH float64
	Class          string // status colour; "zero" for a stub
	Label          string // tooltip
	URL            string // the run page
}

// newChart lays out runs (newest first, as Source.Runs returns them).
func newChart(runs []state.Run, loc *time.Location) chart {
	c := chart{Width: chartWidth, Height: chartHeight, Left: chartLeft, AxisEnd: chartWidth - chartRight,
		CenterX: chartWidth / 2, CenterY: chartHeight / 2}
	if len(runs) > maxChartBars {
		c.Dropped = len(runs) - maxChartBars
		runs = runs[:maxChartBars]
	}
	runs = slices.Clone(runs)
	slices.Reverse(runs) // oldest on the left
	c.Runs = len(runs)
	c.Records = newPanel("records read (dark: written)", "panel-records", recordsTop, runs, loc,
		func(r state.Run) (int, int) { return r.Counts.RecordsRead, r.Counts.RecordsWritten })
	c.Credits = newPanel("credits spent", "panel-credits", creditsTop, runs, loc,
		func(r state.Run) (int, int) { return r.Counts.CreditsSpent, 0 })
	if len(runs) > 0 {
		c.From = runs[0].StartedAt.In(loc).Format("Jan 2 15:04")
		c.To = runs[len(runs)-1].StartedAt.In(loc).Format("Jan 2 15:04")
	}
	return c
}

func newPanel(title, class string, top int, runs []state.Run, loc *time.Location, values func(state.Run) (outer, inner int)) panel {
	p := panel{Title: title, Class: class, Left: chartLeft, AxisEnd: chartWidth - chartRight, LabelX: chartLeft - 6, Top: top, Height: panelHeight, Base: top + panelHeight, TitleY: top - 8, MaxLabel: top + 10}
	for _, r := range runs {
		outer, _ := values(r)
		p.Max = max(p.Max, outer)
	}
	slot := float64(chartWidth-chartLeft-chartRight) / float64(max(len(runs), 1))
	width := min(max(slot*0.8, 1), maxBarWidth)
	for i, r := range runs {
		outer, inner := values(r)
		b := bar{
			X:     chartLeft + float64(i)*slot + (slot-width)/2,
			W:     width,
			Label: fmt.Sprintf("%s %s (%s): %d", r.Pipeline, r.StartedAt.In(loc).Format("Jan 2 15:04"), r.Status, outer),
			URL:   "/runs/" + url.PathEscape(r.RunID),
		}
		b.H, b.Y = p.scale(outer)
		b.Class = statusClass(r.Status)
		if b.H == 0 {
			b.H, b.Y, b.Class = zeroBar, float64(p.Base)-zeroBar, "zero"
		}
		b.InnerH, b.InnerY = p.scale(min(inner, outer))
		p.Bars = append(p.Bars, b)
	}
	return p
}

// scale returns the height and top y of a bar of value v; all bars are flat when
// every value is 0.
func (p panel) scale(v int) (h, y float64) {
	if p.Max <= 0 || v <= 0 {
		return 0, float64(p.Base)
	}
	h = float64(v) / float64(p.Max) * float64(p.Height)
	return h, float64(p.Base) - h
}
