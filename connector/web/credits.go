package web

import (
	"fmt"
	"time"

	"github.com/leadsync/leadsync/state"
)

// The credits chart is inline SVG too: one bar per UTC day over the last
// CreditDays days, oldest on the left, against a line at the daily budget.
const (
	creditsChartHeight = 200
	creditsPlotTop     = 28
	creditsPlotHeight  = 130
)

type creditsChart struct {
	Width, Height int
	Left, AxisEnd int
	LabelX        int
	Top, Base     int
	TitleY        int
	Max           int // the top of the scale
	Budget        int // 0: no daily cap
	BudgetY       float64
	Total         int
	Days          int
	Over          int // days over the budget
	Bars          []dayBar
	From, To      string
	Summary       string // the chart's accessible name
}

type dayBar struct {
	X, W, Y, H float64
	Day        string // 2006-01-02
	Credits    int
	Class      string // "over" above the budget, "zero" for a stub
	Label      string
}

// newCreditsChart lays out the spend of the CreditDays days up to now's UTC day;
// days missing from byDay spent nothing.
func newCreditsChart(byDay []state.DayCredits, budget int, now time.Time) creditsChart {
	c := creditsChart{Width: chartWidth, Height: creditsChartHeight, Left: chartLeft, AxisEnd: chartWidth - chartRight,
		LabelX: chartLeft - 6, Top: creditsPlotTop, Base: creditsPlotTop + creditsPlotHeight, TitleY: creditsPlotTop - 10,
		Budget: max(budget, 0), Days: CreditDays}
	today := now.UTC().Truncate(24 * time.Hour)
	first := today.AddDate(0, 0, -(CreditDays - 1))
	spent := make([]int, CreditDays)
	for _, d := range byDay {
		i := int(d.Day.UTC().Truncate(24*time.Hour).Sub(first) / (24 * time.Hour))
		if i >= 0 && i < CreditDays {
			spent[i] += d.Credits
		}
	}
	c.Max = c.Budget
	for _, n := range spent {
		c.Max = max(c.Max, n)
		c.Total += n
	}
	slot := float64(c.AxisEnd-c.Left) / CreditDays
	width := min(max(slot*0.75, 1), maxBarWidth)
	for i, n := range spent {
		day := first.AddDate(0, 0, i)
		b := dayBar{X: float64(c.Left) + float64(i)*slot + (slot-width)/2, W: width, Day: day.Format(time.DateOnly),
			Credits: n, Label: fmt.Sprintf("%s: %d credits", day.Format("Mon Jan 2"), n)}
		b.H, b.Y = c.scale(n)
		switch {
		case b.H == 0:
			b.H, b.Y, b.Class = zeroBar, float64(c.Base)-zeroBar, "zero"
		case c.Budget > 0 && n > c.Budget:
			b.Class = "over"
			c.Over++
		}
		if c.Budget > 0 {
			b.Label += fmt.Sprintf(" of %d", c.Budget)
		}
		c.Bars = append(c.Bars, b)
	}
	_, c.BudgetY = c.scale(c.Budget)
	c.From, c.To = first.Format("Jan 2"), today.Format("Jan 2")
	c.Summary = fmt.Sprintf("Lusha credits per day over the last %d days: %d in all", CreditDays, c.Total)
	if c.Budget > 0 {
		c.Summary += fmt.Sprintf(", against a daily budget of %d (%d days over it)", c.Budget, c.Over)
	} else {
		c.Summary += ", no daily budget"
	}
	return c
}

func (c creditsChart) scale(v int) (h, y float64) {
	if c.Max <= 0 || v <= 0 {
		return 0, float64(c.Base)
	}
	h = float64(v) / float64(c.Max) * float64(c.Base-c.Top)
	return h, float64(c.Base) - h
}
