package web

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/leadsync/leadsync/state"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var now = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func sampleSource() *fakeSource {
	runs := []state.Run{
		{RunID: "r3", Pipeline: "hs-contacts", Status: "partial", StartedAt: now.Add(-10 * time.Minute),
			FinishedAt: now.Add(-8 * time.Minute),
			Counts: state.RunCounts{RecordsRead: 120, RecordsEnriched: 80, RecordsWritten: 70,
				RecordsSkipped: 40, RecordsFailed: 3, FieldsWritten: 211, CreditsSpent: 95}},
		{RunID: "r2", Pipeline: "sf-leads", Status: "ok", StartedAt: now.Add(-2 * time.Hour),
			FinishedAt: now.Add(-2*time.Hour + time.Minute), Counts: state.RunCounts{RecordsRead: 10, CreditsSpent: 4}},
		{RunID: "r1", Pipeline: "hs-contacts", Status: "failed", StartedAt: now.Add(-30 * time.Hour),
			FinishedAt: now.Add(-30 * time.Hour), Error: "hubspot: search contacts: unavailable (HTTP 503)"},
		{RunID: "r0", Pipeline: "hs-contacts", Status: "ok", StartedAt: now.Add(-30 * 24 * time.Hour)},
	}
	return &fakeSource{
		overview: Overview{
			Credits: CreditsView{SpentToday: 420, PerDay: 5000, PerRun: 1000},
			Pipelines: []PipelineView{
				{Name: "hs-contacts", CRM: "hubspot-main", Object: "contacts", Schedule: "@every 5m",
					LastRun: &runs[0], NextRun: now.Add(3 * time.Minute), HasCursor: true, CursorLag: 95 * time.Second,
					Queued: 17, ParkedByClass: map[string]int{"invalid": 9, "unavailable": 2},
					CreditsToday: 333, Breakers: []BreakerView{{"lusha", "closed"}, {"hubspot-main", "half-open"}}},
				{Name: "sf-leads", CRM: "sf-prod", Object: "Lead", Schedule: "@hourly",
					LastRun: &runs[1], Stopped: "auth: INVALID_SESSION_ID",
					Breakers: []BreakerView{{"lusha", "closed"}, {"sf-prod", "open"}}},
				{Name: "new-one", CRM: "hubspot-main", Object: "leads", Schedule: "@daily"},
			},
		},
		runs: runs,
		changes: map[string][]state.LedgerEntry{"r3": {
			{RunID: "r3", CRMObject: "contacts", CRMID: "1001", Field: "jobtitle", OldValue: "",
				NewValue: "Head of Growth", SourcePath: "contact.jobTitle.title", LushaID: "lu-77", WrittenAt: now.Add(-9 * time.Minute)},
			{RunID: "r3", CRMObject: "contacts", CRMID: "1002", Field: "mobilephone", OldValue: "+15550001111",
				NewValue: "+15550002222", SourcePath: "contact.phones[type=mobile].number", LushaID: "lu-78", WrittenAt: now.Add(-9 * time.Minute)},
		}},
		parked: []state.RecordState{
			{Pipeline: "hs-contacts", CRMID: "2001", Status: "parked", Class: "invalid", Reason: "industry: option AEROSPACE not allowed", Attempts: 1},
			{Pipeline: "hs-contacts", CRMID: "2002", Status: "parked", Class: "unavailable", Reason: "hubspot: batch update: unavailable", Attempts: 3, NextAttempt: now.Add(5 * time.Minute)},
			{Pipeline: "sf-leads", CRMID: "00Q5", Status: "parked", Class: "invalid", Reason: "Title: value too long (max 128)", Attempts: 2},
		},
	}
}

func get(t *testing.T, h http.Handler, target string) (int, string, http.Header) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
	return rec.Code, rec.Body.String(), rec.Header()
}

func newHandler(src Source, opts Options) http.Handler {
	opts.Now = func() time.Time { return now }
	return New(src, opts)
}

// element returns the first element that opens with an attribute matching attr
// (e.g. `id="pipeline-hs"`) up to its closing tag; the pages nest no element in
// one of the same name, so this is exact for rows, tables and paragraphs.
func element(t *testing.T, body, tag, attr string) string {
	t.Helper()
	re := regexp.MustCompile(`(?s)<` + tag + `\b[^>]*` + regexp.QuoteMeta(attr) + `[^>]*>.*?</` + tag + `>`)
	m := re.FindString(body)
	if m == "" {
		t.Fatalf("no <%s %s> in page:\n%s", tag, attr, body)
	}
	return m
}

// text strips tags and collapses spaces.
func text(s string) string {
	s = regexp.MustCompile(`<[^>]*>`).ReplaceAllString(s, " ")
	return strings.Join(strings.Fields(s), " ")
}

func cell(t *testing.T, row, field string) string {
	t.Helper()
	return text(element(t, row, "td", `data-field="`+field+`"`))
}

func TestOverviewRows(t *testing.T) {
	h := newHandler(sampleSource(), Options{})
	code, body, _ := get(t, h, "/")
	if code != http.StatusOK {
		t.Fatalf("GET /: %d\n%s", code, body)
	}
	tests := []struct {
		pipeline string
		field    string
		want     string
	}{
		{"hs-contacts", "lag", "1m35s"},
		{"hs-contacts", "queued", "17"},
		{"hs-contacts", "parked", "11 invalid 9, unavailable 2"},
		{"hs-contacts", "credits", "333 / 5000"},
		{"sf-leads", "lag", "—"},
		{"sf-leads", "parked", "0"},
		{"sf-leads", "credits", "0 / 5000"},
		{"new-one", "queued", "0"},
	}
	for _, tt := range tests {
		t.Run(tt.pipeline+"/"+tt.field, func(t *testing.T) {
			row := element(t, body, "tr", `id="pipeline-`+tt.pipeline+`"`)
			if got := cell(t, row, tt.field); got != tt.want {
				t.Errorf("%s %s = %q, want %q", tt.pipeline, tt.field, got, tt.want)
			}
		})
	}
	rowChecks := []struct {
		pipeline string
		contains []string
	}{
		{"hs-contacts", []string{`class="badge st-warn">partial<`, `href="/runs/r3"`, "10m00s ago", "in 3m00s",
			"120 read, 70 written", `href="/parked?pipeline=hs-contacts"`, "hubspot-main: half-open", "lusha: closed"}},
		{"sf-leads", []string{`class="badge st-bad">stopped<`, "auth: INVALID_SESSION_ID", `st-bad" title="breaker sf-prod: open"`}},
		{"new-one", []string{"never run"}},
	}
	for _, rc := range rowChecks {
		row := element(t, body, "tr", `id="pipeline-`+rc.pipeline+`"`)
		for _, want := range rc.contains {
			if !strings.Contains(row, want) {
				t.Errorf("row %s lacks %q:\n%s", rc.pipeline, want, row)
			}
		}
	}
	credits := text(element(t, body, "p", `id="credits"`))
	if want := "Lusha credits today: 420 of 5000 8% · at most 1000 per run"; credits != want {
		t.Errorf("credits line = %q, want %q", credits, want)
	}
	if strings.Contains(body, "reload-error") {
		t.Error("reload banner shown although the last reload succeeded")
	}
}

func TestOverviewRecentRunsWithinWindow(t *testing.T) {
	src := sampleSource()
	h := newHandler(src, Options{ChartWindow: 48 * time.Hour})
	_, body, _ := get(t, h, "/")
	if want := now.Add(-48 * time.Hour); !src.runsSince.Equal(want) {
		t.Errorf("Runs asked since %v, want %v", src.runsSince, want)
	}
	table := element(t, body, "table", `class="runs"`)
	for _, id := range []string{"r3", "r2", "r1"} {
		if !strings.Contains(table, `data-run="`+id+`"`) {
			t.Errorf("recent runs lack %s", id)
		}
	}
	if strings.Contains(table, `data-run="r0"`) {
		t.Error("a run older than the window is listed")
	}
	if !strings.Contains(body, "Runs over the last 2 days") {
		t.Error("chart heading does not name the window")
	}
	r3 := text(element(t, table, "tr", `data-run="r3"`))
	if want := "10m00s ago hs-contacts partial 120 80 70 40 3 211 95 2m00s"; r3 != want {
		t.Errorf("run row = %q, want %q", r3, want)
	}
}

func TestReloadBanner(t *testing.T) {
	src := sampleSource()
	src.overview.Reload = ReloadView{Failed: true, At: now.Add(-time.Minute),
		Error: `leadsync.yaml:4:3: unknown key "budgett" <script>alert(1)</script>`}
	_, body, _ := get(t, newHandler(src, Options{}), "/")
	banner := element(t, body, "div", `id="reload-error"`)
	for _, want := range []string{"Configuration reload failed", "1m00s ago", "previous configuration is still running",
		"leadsync.yaml:4:3: unknown key &#34;budgett&#34; &lt;script&gt;alert(1)&lt;/script&gt;"} {
		if !strings.Contains(banner, want) {
			t.Errorf("banner lacks %q:\n%s", want, banner)
		}
	}
	if strings.Contains(body, "<script>") {
		t.Error("reload error is not escaped")
	}
}

func TestRunPage(t *testing.T) {
	tests := []struct {
		name       string
		opts       Options
		want, deny []string
	}{
		{
			name: "values hidden by default",
			want: []string{"1001", "1002", "<code>jobtitle</code>", "<code>mobilephone</code>",
				"contact.phones[type=mobile].number", "Values are hidden"},
			deny: []string{"Head of Growth", "15550001111", "15550002222", "lu-77", "Old value"},
		},
		{
			name: "values shown when turned on",
			opts: Options{ShowValues: true},
			want: []string{"Head of Growth", "15550001111", "15550002222", "lu-77", "Old value"},
			deny: []string{"Values are hidden"},
		},
		{
			name: "changes cut at the maximum",
			opts: Options{MaxChanges: 1},
			want: []string{"1001", "Showing the first 1 changes"},
			deny: []string{"1002"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body, _ := get(t, newHandler(sampleSource(), tt.opts), "/runs/r3")
			if code != http.StatusOK {
				t.Fatalf("GET /runs/r3: %d", code)
			}
			counts := text(element(t, body, "table", `id="counts"`))
			if want := "records read 120 records enriched 80 records written 70 records skipped 40 records failed 3 fields written 211 credits spent 95"; counts != want {
				t.Errorf("counts = %q, want %q", counts, want)
			}
			if meta := text(element(t, body, "p", `id="run-meta"`)); !strings.Contains(meta, "hs-contacts · partial") || !strings.Contains(meta, "took 2m00s") {
				t.Errorf("run meta = %q", meta)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("run page lacks %q", w)
				}
			}
			for _, d := range tt.deny {
				if strings.Contains(body, d) {
					t.Errorf("run page shows %q", d)
				}
			}
		})
	}
}

func TestRunPageAsksOneMoreChange(t *testing.T) {
	src := sampleSource()
	get(t, newHandler(src, Options{MaxChanges: 5}), "/runs/r3")
	if src.maxChanges != 6 {
		t.Errorf("Run asked for %d changes, want 6 (one more tells that the list was cut)", src.maxChanges)
	}
}

func TestRunWithErrorAndNoChanges(t *testing.T) {
	_, body, _ := get(t, newHandler(sampleSource(), Options{}), "/runs/r1")
	for _, want := range []string{"hubspot: search contacts: unavailable (HTTP 503)", "This run wrote no fields."} {
		if !strings.Contains(body, want) {
			t.Errorf("run page lacks %q", want)
		}
	}
}

func TestParkedPage(t *testing.T) {
	tests := []struct {
		name, target, wantAsked string
		opts                    Options
		wantRecords             []string
		denyRecords             []string
		summary                 string
	}{
		{name: "every pipeline", target: "/parked", wantRecords: []string{"2001", "2002", "00Q5"},
			summary: "3 parked: invalid 2, unavailable 1"},
		{name: "one pipeline", target: "/parked?pipeline=hs-contacts", wantAsked: "hs-contacts",
			wantRecords: []string{"2001", "2002"}, denyRecords: []string{"00Q5"}, summary: "2 parked: invalid 1, unavailable 1"},
		{name: "cut at the maximum", target: "/parked", opts: Options{MaxParked: 2},
			wantRecords: []string{"2001", "2002"}, denyRecords: []string{"00Q5"}, summary: "2+ parked: invalid 1, unavailable 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := sampleSource()
			code, body, _ := get(t, newHandler(src, tt.opts), tt.target)
			if code != http.StatusOK {
				t.Fatalf("GET %s: %d", tt.target, code)
			}
			if len(src.parkedAsked) != 1 || src.parkedAsked[0] != tt.wantAsked {
				t.Errorf("Parked asked for pipelines %q, want [%q]", src.parkedAsked, tt.wantAsked)
			}
			if got := text(element(t, body, "p", `id="parked-summary"`)); got != tt.summary {
				t.Errorf("summary = %q, want %q", got, tt.summary)
			}
			for _, id := range tt.wantRecords {
				element(t, body, "tr", `data-record="`+id+`"`)
			}
			for _, id := range tt.denyRecords {
				if strings.Contains(body, `data-record="`+id+`"`) {
					t.Errorf("record %s shown", id)
				}
			}
		})
	}
	_, body, _ := get(t, newHandler(sampleSource(), Options{}), "/parked")
	row := text(element(t, body, "tr", `data-record="2002"`))
	if want := "hs-contacts 2002 unavailable hubspot: batch update: unavailable 3 in 5m00s"; !strings.HasPrefix(row, want) {
		t.Errorf("parked row = %q, want prefix %q", row, want)
	}
	row = text(element(t, body, "tr", `data-record="2001"`))
	if !strings.Contains(row, "industry: option AEROSPACE not allowed 1 after a mapping change") {
		t.Errorf("parked row = %q", row)
	}
}

func TestParkedEmpty(t *testing.T) {
	src := sampleSource()
	src.parked = nil
	_, body, _ := get(t, newHandler(src, Options{}), "/parked?pipeline=hs-contacts")
	if !strings.Contains(body, "No parked records in hs-contacts.") {
		t.Error("empty parked page lacks its message")
	}
}

func TestErrors(t *testing.T) {
	secretish := errors.New("state: open /var/lib/leadsync/leadsync.db: disk I/O error")
	tests := []struct {
		name, target string
		err          error
		wantCode     int
		wantText     string
	}{
		{name: "unknown run", target: "/runs/nope", wantCode: http.StatusNotFound, wantText: "No such run."},
		{name: "state's no run", target: "/runs/x", err: fmt.Errorf("wrapped: %w", state.ErrNoRun), wantCode: http.StatusNotFound},
		{name: "unknown page", target: "/nowhere", wantCode: http.StatusNotFound, wantText: "No such page."},
		{name: "overview fails", target: "/", err: secretish, wantCode: http.StatusInternalServerError, wantText: "could not be read"},
		{name: "run fails", target: "/runs/r3", err: secretish, wantCode: http.StatusInternalServerError},
		{name: "parked fails", target: "/parked", err: secretish, wantCode: http.StatusInternalServerError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := sampleSource()
			src.err = tt.err
			var logged strings.Builder
			h := newHandler(src, Options{Logger: slog.New(slog.NewTextHandler(&logged, nil))})
			code, body, _ := get(t, h, tt.target)
			if code != tt.wantCode {
				t.Errorf("GET %s: %d, want %d", tt.target, code, tt.wantCode)
			}
			if !strings.Contains(body, tt.wantText) {
				t.Errorf("page lacks %q:\n%s", tt.wantText, body)
			}
			if strings.Contains(body, "disk I/O") {
				t.Error("source error detail on the page")
			}
			if tt.wantCode == http.StatusInternalServerError && !strings.Contains(logged.String(), "disk I/O") {
				t.Errorf("source error not logged: %q", logged.String())
			}
		})
	}
}

// Names from the config and the CRM are escaped wherever they appear.
func TestEscaping(t *testing.T) {
	src := sampleSource()
	evil := `<img src=x onerror=alert(1)>"`
	src.overview.Pipelines[0].Name = evil
	src.overview.Pipelines[0].Stopped = evil
	src.parked[0].Reason = evil
	src.runs[0].Pipeline = evil
	h := newHandler(src, Options{})
	for _, target := range []string{"/", "/parked", "/runs/r3"} {
		_, body, _ := get(t, h, target)
		if strings.Contains(body, "<img") {
			t.Errorf("%s: unescaped markup", target)
		}
	}
}

// The page loads only its own stylesheet, and says so to the browser.
func TestNoExternalRequests(t *testing.T) {
	h := newHandler(sampleSource(), Options{Refresh: 30 * time.Second})
	code, body, hdr := get(t, h, "/")
	if code != http.StatusOK {
		t.Fatal(code)
	}
	if csp := hdr.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("CSP = %q", csp)
	}
	refs := regexp.MustCompile(`(?:src|href)="([^"]*)"`).FindAllStringSubmatch(body, -1)
	for _, ref := range refs {
		if !strings.HasPrefix(ref[1], "/") {
			t.Errorf("reference %q is not local", ref[1])
		}
	}
	if strings.Contains(body, "<script") {
		t.Error("page has a script")
	}
	if !strings.Contains(body, `<meta http-equiv="refresh" content="30">`) {
		t.Error("no meta refresh although Refresh is set")
	}
	code, css, hdr := get(t, h, "/assets/style.css")
	if code != http.StatusOK || !strings.HasPrefix(hdr.Get("Content-Type"), "text/css") || !strings.Contains(css, ".badge") {
		t.Errorf("GET /assets/style.css: %d %q", code, hdr.Get("Content-Type"))
	}
}

// Served over a real listener, as the daemon does, with no goroutine left behind.
func TestOverHTTP(t *testing.T) {
	srv := httptest.NewServer(newHandler(sampleSource(), Options{}))
	defer srv.Close()
	for _, path := range []string{"/", "/runs/r3", "/parked", "/assets/style.css"} {
		resp, err := srv.Client().Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d", path, resp.StatusCode)
		}
	}
	srv.Client().CloseIdleConnections()
}

// svgOf returns the chart of an overview page, checked to be well-formed XML.
func svgOf(t *testing.T, body string) string {
	t.Helper()
	svg := element(t, body, "svg", `id="runs-chart"`)
	dec := xml.NewDecoder(strings.NewReader(svg))
	for {
		_, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("chart is not well-formed: %v\n%s", err, svg)
		}
	}
	return svg
}

func TestChart(t *testing.T) {
	many := make([]state.Run, 300)
	for i := range many {
		many[i] = state.Run{RunID: fmt.Sprintf("m%d", i), Pipeline: "hs-contacts", Status: "ok",
			StartedAt: now.Add(-time.Duration(i) * 10 * time.Minute),
			Counts:    state.RunCounts{RecordsRead: i + 1, RecordsWritten: i / 2, CreditsSpent: i % 7}}
	}
	tests := []struct {
		name     string
		runs     []state.Run
		bars     int
		contains []string
	}{
		{name: "no runs", bars: 0, contains: []string{"No runs in this period."}},
		{name: "one run", runs: sampleSource().runs[:1], bars: 2,
			contains: []string{`href="/runs/r3"`, ">120<", ">95<", "hs-contacts Nov 25 11:50 (partial): 120"}},
		{name: "many runs", runs: many, bars: 2 * maxChartBars,
			contains: []string{"(60 older runs not shown)", `href="/runs/m0"`, ">240<"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := sampleSource()
			src.runs = tt.runs
			_, body, _ := get(t, newHandler(src, Options{ChartWindow: 90 * 24 * time.Hour}), "/")
			svg := svgOf(t, body)
			if got := strings.Count(svg, `<rect class="bar `); got != tt.bars {
				t.Errorf("%d bars, want %d", got, tt.bars)
			}
			for _, want := range tt.contains {
				if !strings.Contains(svg, want) {
					t.Errorf("chart lacks %q", want)
				}
			}
		})
	}
}

// Bars scale to the panel: the largest fills it, none leaves it, and all-zero
// values draw flat bars instead of dividing by zero.
func TestChartScale(t *testing.T) {
	runs := []state.Run{
		{RunID: "b", Counts: state.RunCounts{RecordsRead: 50, RecordsWritten: 80}},
		{RunID: "a", Counts: state.RunCounts{RecordsRead: 100, RecordsWritten: 25}},
	}
	c := newChart(runs, time.UTC)
	rec := c.Records
	if rec.Max != 100 || len(rec.Bars) != 2 {
		t.Fatalf("records panel max %d with %d bars", rec.Max, len(rec.Bars))
	}
	oldest, newest := rec.Bars[0], rec.Bars[1]
	if oldest.H != panelHeight || oldest.Y != float64(rec.Top) {
		t.Errorf("largest bar h=%v y=%v, want h=%d y=%d", oldest.H, oldest.Y, panelHeight, rec.Top)
	}
	if newest.H != panelHeight/2 || newest.InnerH != newest.H {
		t.Errorf("half bar h=%v inner=%v: written is capped at read", newest.H, newest.InnerH)
	}
	if oldest.InnerH != panelHeight/4 {
		t.Errorf("inner bar h=%v, want %v", oldest.InnerH, panelHeight/4)
	}
	if !(oldest.X < newest.X) || newest.X+newest.W > float64(chartWidth-chartRight) {
		t.Errorf("bars out of order or out of the plot: %v %v", oldest, newest)
	}
	for _, b := range c.Credits.Bars {
		if b.Class != "zero" || b.H != zeroBar || b.Y+b.H != float64(c.Credits.Base) {
			t.Errorf("zero credits drew %+v, want a stub on the axis", b)
		}
	}
}

func TestFormatting(t *testing.T) {
	tests := []struct {
		at   time.Time
		want string
	}{
		{time.Time{}, "—"},
		{now, "just now"},
		{now.Add(-42 * time.Second), "42s ago"},
		{now.Add(-3*time.Minute - 5*time.Second), "3m05s ago"},
		{now.Add(2*time.Hour + 10*time.Minute), "in 2h10m"},
		{now.Add(-76 * time.Hour), "3d4h ago"},
	}
	for _, tt := range tests {
		if got := relative(tt.at, now); got != tt.want {
			t.Errorf("relative(%v) = %q, want %q", tt.at, got, tt.want)
		}
	}
}
