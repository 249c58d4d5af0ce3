package observe

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	yaml "go.yaml.in/yaml/v3"

	"github.com/leadsync/leadsync/state"
)

// The alerting rules and the Grafana dashboard shipped under configs/ query
// /metrics by name; these tests keep them from naming a metric that does not exist.
var (
	alertsFile    = filepath.Join("..", "..", "configs", "prometheus", "alerts.yml")
	dashboardFile = filepath.Join("..", "..", "configs", "grafana", "leadsync.json")
)

// exposedFamilies records one of everything on a fresh Metrics and returns the
// metric families that /metrics then serves.
func exposedFamilies(t *testing.T) map[string]*dto.MetricFamily {
	t.Helper()
	m := NewMetrics()
	now := time.Now()
	m.RunFinished("hs", "ok", state.RunCounts{RecordsRead: 2, RecordsWritten: 1, FieldsWritten: 3, CreditsSpent: 1}, time.Second, now)
	m.RecordOutcome("hs", "parked", "invalid", 1)
	m.RecordsDropped("hs", "deleted", 2)
	m.CallFinished("lusha", "")
	m.CallFinished("hubspot", "auth")
	m.BreakerState("lusha", "open")
	m.LimiterWait("lusha", 10*time.Millisecond)
	m.CreditBudget(100)
	m.CursorLag("hs", time.Minute)
	m.RetryQueue("hs", map[string]int{"invalid": 1})
	m.ConfigReload(true)
	m.RecordsRefreshed("hs", "signal", 1)
	m.WatchCluster(func(context.Context) (ClusterFigures, error) {
		return ClusterFigures{Replica: "a", Leader: "a", TickJobs: map[string]int{"completed": 1}}, nil
	})
	return scrape(t, m)
}

// exposes reports whether a sample name belongs to a family /metrics serves: the
// family itself, or a histogram's (or summary's) _bucket, _sum and _count series.
func exposes(families map[string]*dto.MetricFamily, name string) bool {
	if _, ok := families[name]; ok {
		return true
	}
	for suffix, types := range map[string][]dto.MetricType{
		"_bucket": {dto.MetricType_HISTOGRAM, dto.MetricType_GAUGE_HISTOGRAM},
		"_sum":    {dto.MetricType_HISTOGRAM, dto.MetricType_GAUGE_HISTOGRAM, dto.MetricType_SUMMARY},
		"_count":  {dto.MetricType_HISTOGRAM, dto.MetricType_GAUGE_HISTOGRAM, dto.MetricType_SUMMARY},
	} {
		base, ok := strings.CutSuffix(name, suffix)
		if f, found := families[base]; ok && found && slices.Contains(types, f.GetType()) {
			return true
		}
	}
	return false
}

var (
	promqlStrings  = regexp.MustCompile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`")
	promqlMatchers = regexp.MustCompile(`\{[^}]*\}`)
	promqlRanges   = regexp.MustCompile(`\[[^\]]*\]`)
	promqlGrouping = regexp.MustCompile(`(?i)\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`)
	promqlVars     = regexp.MustCompile(`\$\{[^}]*\}|\$\w+`)
	promqlToken    = regexp.MustCompile(`[0-9][0-9A-Za-z_.]*|[A-Za-z_:][A-Za-z0-9_:]*(\s*\()?`)
	promqlKeywords = []string{"and", "or", "unless", "offset", "bool", "by", "without", "on", "ignoring",
		"group_left", "group_right", "inf", "nan", "atan2", "start", "end"}
)

// metricNames returns the metric names a PromQL expression selects: a plain
// identifier scan that drops string literals, label matchers, ranges, grouping
// labels, Grafana variables, numbers and durations, functions and aggregations
// (an identifier followed by "("), and keywords.
func metricNames(expr string) []string {
	expr = promqlVars.ReplaceAllString(expr, "")
	expr = promqlStrings.ReplaceAllString(expr, `""`)
	expr = promqlMatchers.ReplaceAllString(expr, " ")
	expr = promqlRanges.ReplaceAllString(expr, " ")
	expr = promqlGrouping.ReplaceAllString(expr, " ")
	var names []string
	for _, tok := range promqlToken.FindAllString(expr, -1) {
		switch {
		case tok[0] >= '0' && tok[0] <= '9', strings.HasSuffix(tok, "("),
			slices.Contains(promqlKeywords, strings.ToLower(tok)):
			continue
		}
		if !slices.Contains(names, tok) {
			names = append(names, tok)
		}
	}
	return names
}

func TestMetricNamesScan(t *testing.T) {
	for expr, want := range map[string][]string{
		`sum by (pipeline, le) (rate(leadsync_run_duration_seconds_bucket{job=~"$job", x="a{b}"}[$__rate_interval]))`: {"leadsync_run_duration_seconds_bucket"},
		`time() - leadsync_last_success_timestamp_seconds > 3 * 3600`:                                                 {"leadsync_last_success_timestamp_seconds"},
		`a_total unless on (pipeline) b offset 6h > 1e3 and bool c`:                                                   {"a_total", "b", "c"},
		`histogram_quantile(0.95, sum without(le) (rate(x_bucket[5m])))`:                                              {"x_bucket"},
		`label_values(leadsync_runs_total, pipeline)`:                                                                 {"leadsync_runs_total", "pipeline"},
	} {
		if got := metricNames(expr); !slices.Equal(got, want) {
			t.Errorf("metricNames(%s) = %q, want %q", expr, got, want)
		}
	}
}

// alertExprs returns each alerting or recording rule's expression by rule name.
func alertExprs(t *testing.T) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(alertsFile)
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Groups []struct {
			Rules []struct {
				Alert, Record, Expr, For string
				Labels, Annotations      map[string]string
			}
		}
	}
	if err := yaml.Unmarshal(raw, &file); err != nil {
		t.Fatalf("%s: %v", alertsFile, err)
	}
	exprs := map[string]string{}
	for _, g := range file.Groups {
		for _, r := range g.Rules {
			name := r.Alert + r.Record
			exprs[name] = r.Expr
			if r.Alert == "" {
				continue
			}
			if r.For == "" || r.Labels["severity"] == "" || r.Annotations["summary"] == "" || r.Annotations["description"] == "" {
				t.Errorf("alert %s: want for:, a severity label, and summary and description annotations", name)
			}
		}
	}
	if len(exprs) == 0 {
		t.Fatalf("%s holds no rules", alertsFile)
	}
	return exprs
}

var labelValuesQuery = regexp.MustCompile(`^\s*label_values\(\s*([A-Za-z_:][A-Za-z0-9_:]*)\s*(\{[^}]*\})?\s*,`)

// dashboardExprs returns every PromQL query of the dashboard (panel targets and
// query variables), keyed by where it is, and checks the dashboard's frame.
func dashboardExprs(t *testing.T) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	type target struct {
		RefID string `json:"refId"`
		Expr  string `json:"expr"`
	}
	type panel struct {
		ID         int              `json:"id"`
		Type       string           `json:"type"`
		Title      string           `json:"title"`
		Datasource *json.RawMessage `json:"datasource"`
		GridPos    *struct{ H, W int }
		Targets    []target `json:"targets"`
		Panels     []panel  `json:"panels"`
	}
	var dash struct {
		UID           string  `json:"uid"`
		Title         string  `json:"title"`
		SchemaVersion int     `json:"schemaVersion"`
		Panels        []panel `json:"panels"`
		Templating    struct {
			List []struct {
				Name, Type string
				Query      json.RawMessage
			}
		}
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("%s: %v", dashboardFile, err)
	}
	if dash.UID == "" || dash.Title == "" || dash.SchemaVersion == 0 {
		t.Errorf("dashboard: want uid, title and schemaVersion")
	}
	exprs := map[string]string{}
	hasDatasourceVar := false
	for _, v := range dash.Templating.List {
		switch v.Type {
		case "datasource":
			var q string
			hasDatasourceVar = hasDatasourceVar || (json.Unmarshal(v.Query, &q) == nil && q == "prometheus" && v.Name == "datasource")
		case "query":
			var q struct{ Query string }
			if err := json.Unmarshal(v.Query, &q); err != nil {
				_ = json.Unmarshal(v.Query, &q.Query) // older dashboards store the query as a string
			}
			m := labelValuesQuery.FindStringSubmatch(q.Query)
			if m == nil {
				t.Errorf("variable %s: want a label_values(metric, label) query, got %q", v.Name, q.Query)
				continue
			}
			exprs["variable "+v.Name] = m[1] + m[2]
		}
	}
	if !hasDatasourceVar {
		t.Error("dashboard: want a datasource variable named datasource of type prometheus")
	}
	ids := map[int]bool{}
	var walk func([]panel)
	walk = func(panels []panel) {
		for _, p := range panels {
			if ids[p.ID] {
				t.Errorf("panel %q: id %d used twice", p.Title, p.ID)
			}
			ids[p.ID] = true
			if p.GridPos == nil || p.GridPos.W == 0 || p.GridPos.H == 0 {
				t.Errorf("panel %q: no gridPos", p.Title)
			}
			if p.Type != "row" && (p.Datasource == nil || !strings.Contains(string(*p.Datasource), "${datasource}")) {
				t.Errorf("panel %q: want the ${datasource} variable as its datasource", p.Title)
			}
			if p.Type != "row" && len(p.Targets) == 0 {
				t.Errorf("panel %q: no queries", p.Title)
			}
			for _, tg := range p.Targets {
				exprs["panel "+p.Title+" "+tg.RefID] = tg.Expr
			}
			walk(p.Panels)
		}
	}
	walk(dash.Panels)
	return exprs
}

// TestAlertsAndDashboardUseExposedMetrics checks that every metric name the
// alerting rules and the dashboard query is one that /metrics exposes.
func TestAlertsAndDashboardUseExposedMetrics(t *testing.T) {
	families := exposedFamilies(t)
	for file, exprs := range map[string]map[string]string{
		alertsFile:    alertExprs(t),
		dashboardFile: dashboardExprs(t),
	} {
		used := 0
		for where, expr := range exprs {
			names := metricNames(expr)
			if len(names) == 0 {
				t.Errorf("%s: %s: no metric in %q", file, where, expr)
			}
			for _, name := range names {
				used++
				if !exposes(families, name) {
					t.Errorf("%s: %s uses %s, which /metrics does not expose", file, where, name)
				}
			}
		}
		t.Logf("%s: %d queries, %d metric uses", file, len(exprs), used)
	}
}

// The check itself must fail on a name /metrics does not serve.
func TestExposesRejectsUnknownNames(t *testing.T) {
	families := exposedFamilies(t)
	for name, want := range map[string]bool{
		"leadsync_runs_total":                  true,
		"leadsync_limiter_wait_seconds_bucket": true,
		"leadsync_run_duration_seconds_count":  true,
		"leadsync_runs_total_bucket":           false, // a counter has no buckets
		"leadsync_run_total":                   false,
		"leadsync_breaker_state_sum":           false,
	} {
		if got := exposes(families, name); got != want {
			t.Errorf("exposes(%s) = %v, want %v", name, got, want)
		}
	}
}
