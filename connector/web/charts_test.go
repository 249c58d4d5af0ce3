package web

import (
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/leadsync/leadsync/state"
)

// wellFormed fails unless the fragment is well-formed XML (the SVG charts).
func wellFormed(t *testing.T, frag string) {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(frag))
	for {
		_, err := dec.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("not well-formed: %v\n%s", err, frag)
		}
	}
}

var dayBarRE = regexp.MustCompile(`<rect class="day ?([a-z]*)" data-day="([0-9-]+)" data-credits="(\d+)"`)

func TestCreditsChart(t *testing.T) {
	src := sampleSource()
	today := now.Truncate(24 * time.Hour)
	src.overview.CreditsByDay = []state.DayCredits{
		{Day: today.AddDate(0, 0, -40), Credits: 999}, // before the window: not drawn
		{Day: today.AddDate(0, 0, -29), Credits: 1200},
		{Day: today.AddDate(0, 0, -3), Credits: 7000}, // over the 5000 budget
		{Day: today, Credits: 420},
	}
	_, body, _ := get(t, newHandler(src, Options{}), "/")
	svg := element(t, body, "svg", `id="credits-chart"`)
	wellFormed(t, svg)
	bars := dayBarRE.FindAllStringSubmatch(svg, -1)
	if len(bars) != CreditDays {
		t.Fatalf("%d day bars, want %d:\n%s", len(bars), CreditDays, svg)
	}
	if bars[0][2] != "2026-10-27" || bars[CreditDays-1][2] != "2026-11-25" {
		t.Errorf("days run from %s to %s", bars[0][2], bars[CreditDays-1][2])
	}
	got := map[string]string{}
	for _, b := range bars {
		if b[3] != "0" {
			got[b[2]] = b[1] + ":" + b[3]
		}
	}
	want := map[string]string{"2026-10-27": ":1200", "2026-11-22": "over:7000", "2026-11-25": ":420"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("bars with spend (-want +got):\n%s", d)
	}
	if !strings.Contains(svg, `<line class="budget" id="credits-budget" data-budget="5000"`) {
		t.Errorf("no budget line:\n%s", svg)
	}
	if !strings.Contains(svg, `aria-label="Lusha credits per day over the last 30 days: 8620 in all, against a daily budget of 5000 (1 days over it)"`) {
		t.Errorf("accessible name missing or wrong:\n%s", svg)
	}
	// The scale reaches the largest day; the budget line sits at 5000/7000 of it.
	c := newCreditsChart(src.overview.CreditsByDay, 5000, now)
	if c.Max != 7000 {
		t.Errorf("scale max %d, want 7000", c.Max)
	}
	if h := float64(c.Base) - c.BudgetY; h < 92.8 || h > 92.9 { // 130 * 5/7
		t.Errorf("budget line %.2f above the base", h)
	}
}

func TestCreditsChartWithoutBudgetOrSpend(t *testing.T) {
	c := newCreditsChart(nil, 0, now)
	if c.Max != 0 || c.Total != 0 || len(c.Bars) != CreditDays {
		t.Fatalf("chart %+v", c)
	}
	for _, b := range c.Bars {
		if b.Class != "zero" || b.H != zeroBar {
			t.Fatalf("bar %+v: want a stub", b)
		}
	}
	src := sampleSource()
	src.overview.Credits.PerDay = 0
	_, body, _ := get(t, newHandler(src, Options{}), "/")
	svg := element(t, body, "svg", `id="credits-chart"`)
	wellFormed(t, svg)
	if strings.Contains(svg, `class="budget"`) || !strings.Contains(svg, "no daily budget") {
		t.Errorf("chart without a budget:\n%s", svg)
	}
}

func TestFillRows(t *testing.T) {
	got := fillRows(state.FieldActions{
		"jobtitle": {"write": 30, "keep_filled": 50, "no_value": 20},
		"phone":    {"keep_same": 1, "keep_not_ours": 1, "write": 1, "invalid": 1, "skipped": 2},
		"empty":    {},
	})
	if len(got) != 2 || got[0].Field != "jobtitle" || got[1].Field != "phone" {
		t.Fatalf("rows %+v", got)
	}
	if r := got[0]; r.Considered != 100 || r.Filled != 50 || r.Written != 30 || r.BeforePct != 50 || r.AfterPct != 80 ||
		r.BeforeW != 120 || r.AfterW != 192 {
		t.Errorf("jobtitle %+v", r)
	}
	if r := got[1]; r.Considered != 6 || r.Filled != 2 || r.BeforePct != 33 || r.AfterPct != 50 {
		t.Errorf("phone %+v", r)
	}
}

func TestPipelinePage(t *testing.T) {
	src := sampleSource()
	src.overview.Pipelines[0].FieldActions = state.FieldActions{
		"jobtitle": {"write": 30, "keep_filled": 50, "no_value": 20},
		"industry": {"keep_same": 10},
	}
	src.overview.Pipelines[0].RefreshAfter = 2160 * time.Hour
	src.overview.Pipelines[0].RefreshCreditsToday, src.overview.Pipelines[0].RefreshCreditsShare = 12, 400
	h := newHandler(src, Options{})
	code, body, _ := get(t, h, "/pipelines/hs-contacts")
	if code != http.StatusOK {
		t.Fatalf("GET /pipelines/hs-contacts: %d\n%s", code, body)
	}
	breakers := element(t, body, "p", `id="breakers"`)
	for _, want := range []string{`data-breaker="lusha" data-state="closed"`, `data-breaker="hubspot-main" data-state="half-open"`} {
		if !strings.Contains(breakers, want) {
			t.Errorf("breakers lack %q:\n%s", want, breakers)
		}
	}
	table := element(t, body, "table", `id="fill-rates"`)
	rows := regexp.MustCompile(`<tr data-fill-field="([^"]+)" data-before="(\d+)" data-after="(\d+)"`).FindAllStringSubmatch(table, -1)
	var got []string
	for _, r := range rows {
		got = append(got, r[1]+" "+r[2]+"→"+r[3])
	}
	if d := cmp.Diff([]string{"industry 100→100", "jobtitle 50→80"}, got); d != "" {
		t.Errorf("fill rows (-want +got):\n%s", d)
	}
	for _, svg := range regexp.MustCompile(`(?s)<svg class="fillbar".*?</svg>`).FindAllString(table, -1) {
		wellFormed(t, svg)
		if !strings.Contains(svg, `role="img" aria-label="`) {
			t.Errorf("fill bar without an accessible name: %s", svg)
		}
	}
	if !strings.Contains(table, `aria-label="jobtitle: 50% filled before leadsync, 80% after, of 100 records"`) {
		t.Errorf("jobtitle bar's name:\n%s", table)
	}
	meta := text(element(t, body, "p", `id="pipeline-meta"`))
	if !strings.Contains(meta, "queued 17 · parked 11") || !strings.Contains(meta, "refresh after 90d0h, refresh credits today 12 / 400") {
		t.Errorf("meta: %s", meta)
	}

	// The overview links to it; a pipeline without runs says so; an unknown one is 404.
	_, ov, _ := get(t, h, "/")
	if !strings.Contains(ov, `href="/pipelines/hs-contacts"`) {
		t.Error("overview does not link the pipeline page")
	}
	if _, body, _ := get(t, h, "/pipelines/new-one"); !strings.Contains(body, "No run of this pipeline has mapped a record") {
		t.Errorf("pipeline without runs:\n%s", body)
	}
	if code, _, _ := get(t, h, "/pipelines/nope"); code != http.StatusNotFound {
		t.Errorf("unknown pipeline: %d", code)
	}
	src.err = errors.New("state: disk I/O error")
	if code, _, _ := get(t, h, "/pipelines/hs-contacts"); code != http.StatusInternalServerError {
		t.Errorf("source error: %d", code)
	}
}
