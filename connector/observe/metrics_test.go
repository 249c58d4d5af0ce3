package observe

import (
	"math"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/leadsync/leadsync/state"
)

// scrape serves /metrics through Handler and parses it with the Prometheus text
// parser, as a Prometheus server would.
func scrape(t *testing.T, m *Metrics) map[string]*dto.MetricFamily {
	t.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	req.Header.Set("Accept", "text/plain")
	m.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics: status %d", rec.Code)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(rec.Body.String()))
	if err != nil {
		t.Fatalf("parse /metrics: %v\n%s", err, rec.Body.String())
	}
	return families
}

// value returns the value of the series of family name whose labels are exactly
// labels, and whether it exists. Histograms yield their sample count.
func value(families map[string]*dto.MetricFamily, name string, labels map[string]string) (float64, bool) {
	f, ok := families[name]
	if !ok {
		return 0, false
	}
	for _, m := range f.GetMetric() {
		if !labelsEqual(m.GetLabel(), labels) {
			continue
		}
		switch {
		case m.Counter != nil:
			return m.GetCounter().GetValue(), true
		case m.Gauge != nil:
			return m.GetGauge().GetValue(), true
		case m.Histogram != nil:
			return float64(m.GetHistogram().GetSampleCount()), true
		}
	}
	return 0, false
}

func labelsEqual(got []*dto.LabelPair, want map[string]string) bool {
	if len(got) != len(want) {
		return false
	}
	for _, l := range got {
		if v, ok := want[l.GetName()]; !ok || v != l.GetValue() {
			return false
		}
	}
	return true
}

type series struct {
	name   string
	labels map[string]string
	want   float64
	absent bool
}

func checkSeries(t *testing.T, families map[string]*dto.MetricFamily, want []series) {
	t.Helper()
	for _, s := range want {
		got, ok := value(families, s.name, s.labels)
		switch {
		case s.absent && ok:
			t.Errorf("%s%v = %v, want no such series", s.name, s.labels, got)
		case !s.absent && !ok:
			t.Errorf("%s%v missing", s.name, s.labels)
		case !s.absent && math.Abs(got-s.want) > 1e-9:
			t.Errorf("%s%v = %v, want %v", s.name, s.labels, got, s.want)
		}
	}
}

func l(kv ...string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

func TestMetricsAfterCalls(t *testing.T) {
	finished := time.Date(2026, 11, 25, 10, 0, 0, 500_000_000, time.UTC)
	counts := state.RunCounts{RecordsRead: 120, RecordsEnriched: 80, RecordsWritten: 70,
		RecordsSkipped: 30, RecordsFailed: 5, FieldsWritten: 300, CreditsSpent: 90}
	tests := []struct {
		name  string
		calls func(m *Metrics)
		want  []series
	}{
		{
			name: "two runs sum their summaries",
			calls: func(m *Metrics) {
				m.RunFinished("hs", "ok", counts, 90*time.Second, finished)
				m.RunFinished("hs", "failed", state.RunCounts{RecordsRead: 3, RecordsFailed: 3}, time.Second, finished.Add(time.Hour))
			},
			want: []series{
				{name: "leadsync_runs_total", labels: l("pipeline", "hs", "status", "ok"), want: 1},
				{name: "leadsync_runs_total", labels: l("pipeline", "hs", "status", "failed"), want: 1},
				{name: "leadsync_runs_total", labels: l("pipeline", "hs", "status", "partial"), want: 0},
				{name: "leadsync_run_records_total", labels: l("pipeline", "hs", "outcome", "read"), want: 123},
				{name: "leadsync_run_records_total", labels: l("pipeline", "hs", "outcome", "failed"), want: 8},
				{name: "leadsync_run_records_total", labels: l("pipeline", "hs", "outcome", "written"), want: 70},
				{name: "leadsync_fields_written_total", labels: l("pipeline", "hs"), want: 300},
				{name: "leadsync_credits_spent_total", labels: l("pipeline", "hs"), want: 90},
				{name: "leadsync_run_duration_seconds", labels: l("pipeline", "hs"), want: 2},
				// the failed run an hour later does not move the last success
				{name: "leadsync_last_success_timestamp_seconds", labels: l("pipeline", "hs"), want: 1795600800.5},
			},
		},
		{
			name: "partial run counts as success, unknown status is bounded",
			calls: func(m *Metrics) {
				m.RunFinished("sf", "partial", state.RunCounts{}, time.Second, finished)
				m.RunFinished("sf", "exploded", state.RunCounts{}, time.Second, finished.Add(time.Hour))
			},
			want: []series{
				{name: "leadsync_runs_total", labels: l("pipeline", "sf", "status", "other"), want: 1},
				{name: "leadsync_runs_total", labels: l("pipeline", "sf", "status", "exploded"), absent: true},
				{name: "leadsync_last_success_timestamp_seconds", labels: l("pipeline", "sf"), want: 1795600800.5},
			},
		},
		{
			name: "negative figures are ignored, not a panic",
			calls: func(m *Metrics) {
				m.RunFinished("hs", "ok", state.RunCounts{RecordsRead: -4, CreditsSpent: -1}, time.Second, finished)
				m.RecordOutcome("hs", "done", "", -2)
			},
			want: []series{
				{name: "leadsync_run_records_total", labels: l("pipeline", "hs", "outcome", "read"), want: 0},
				{name: "leadsync_credits_spent_total", labels: l("pipeline", "hs"), want: 0},
			},
		},
		{
			name: "record outcomes by class",
			calls: func(m *Metrics) {
				m.RecordOutcome("hs", "done", "", 7)
				m.RecordOutcome("hs", "parked", "invalid", 2)
				m.RecordOutcome("hs", "parked", "invalid", 1)
				m.RecordOutcome("hs", "parked", "made_up", 1)
				m.RecordOutcome("hs", "vanished", "", 1)
			},
			want: []series{
				{name: "leadsync_record_outcomes_total", labels: l("pipeline", "hs", "outcome", "done", "class", "none"), want: 7},
				{name: "leadsync_record_outcomes_total", labels: l("pipeline", "hs", "outcome", "parked", "class", "invalid"), want: 3},
				{name: "leadsync_record_outcomes_total", labels: l("pipeline", "hs", "outcome", "parked", "class", "other"), want: 1},
				{name: "leadsync_record_outcomes_total", labels: l("pipeline", "hs", "outcome", "other", "class", "none"), want: 1},
			},
		},
		{
			name: "records dropped by reason",
			calls: func(m *Metrics) {
				m.RecordsDropped("hs", "deleted", 3)
				m.RecordsDropped("hs", "deleted", 0)
				m.RecordsDropped("hs", "made_up", 1)
			},
			want: []series{
				{name: "leadsync_records_dropped_total", labels: l("pipeline", "hs", "reason", "deleted"), want: 3},
				{name: "leadsync_records_dropped_total", labels: l("pipeline", "hs", "reason", "other"), want: 1},
			},
		},
		{
			name: "calls by class, empty class is ok",
			calls: func(m *Metrics) {
				m.CallFinished("lusha", "")
				m.CallFinished("lusha", "")
				m.CallFinished("lusha", "rate_limited")
				m.CallFinished("hubspot-main", "unavailable")
			},
			want: []series{
				{name: "leadsync_calls_total", labels: l("service", "lusha", "class", "ok"), want: 2},
				{name: "leadsync_calls_total", labels: l("service", "lusha", "class", "rate_limited"), want: 1},
				{name: "leadsync_calls_total", labels: l("service", "hubspot-main", "class", "unavailable"), want: 1},
			},
		},
		{
			name: "breaker states follow gobreaker's names",
			calls: func(m *Metrics) {
				m.BreakerState("lusha", "open")
				m.BreakerState("lusha", "half-open")
				m.BreakerState("hubspot-main", "open")
				m.BreakerState("sf-prod", "closed")
				m.BreakerState("sf-prod", "melted")
			},
			want: []series{
				{name: "leadsync_breaker_state", labels: l("name", "lusha"), want: 1},
				{name: "leadsync_breaker_state", labels: l("name", "hubspot-main"), want: 2},
				{name: "leadsync_breaker_state", labels: l("name", "sf-prod"), want: 0},
			},
		},
		{
			name: "limiter waits, budget, lag",
			calls: func(m *Metrics) {
				m.LimiterWait("lusha", 40*time.Millisecond)
				m.LimiterWait("lusha", 2*time.Second)
				m.LimiterWait("lusha", -time.Second)
				m.CreditBudget(4200)
				m.CursorLag("hs", 90*time.Second)
				m.CursorLag("sf", -time.Second)
			},
			want: []series{
				{name: "leadsync_limiter_wait_seconds", labels: l("service", "lusha"), want: 2},
				{name: "leadsync_credit_budget_left", labels: l(), want: 4200},
				{name: "leadsync_cursor_lag_seconds", labels: l("pipeline", "hs"), want: 90},
				{name: "leadsync_cursor_lag_seconds", labels: l("pipeline", "sf"), want: 0},
			},
		},
		{
			name:  "no budget series before one is set",
			calls: func(m *Metrics) {},
			want: []series{
				{name: "leadsync_credit_budget_left", labels: l(), absent: true},
				{name: "leadsync_config_last_reload_successful", labels: l(), want: 1},
				{name: "leadsync_config_reloads_total", labels: l("result", "failure"), want: 0},
			},
		},
		{
			name: "budget removed, overspent budget is zero",
			calls: func(m *Metrics) {
				m.CreditBudget(-5)
				m.CreditBudget(10)
				m.NoCreditBudget()
				m.CreditBudget(-5)
			},
			want: []series{{name: "leadsync_credit_budget_left", labels: l(), want: 0}},
		},
		{
			name: "retry queue replaces the previous sizes",
			calls: func(m *Metrics) {
				m.RetryQueue("hs", map[string]int{"invalid": 4, "unavailable": 2, "weird": 1})
				m.RetryQueue("hs", map[string]int{"invalid": 3})
			},
			want: []series{
				{name: "leadsync_retry_queue_records", labels: l("pipeline", "hs", "class", "invalid"), want: 3},
				{name: "leadsync_retry_queue_records", labels: l("pipeline", "hs", "class", "unavailable"), want: 0},
				{name: "leadsync_retry_queue_records", labels: l("pipeline", "hs", "class", "none"), want: 0},
				{name: "leadsync_retry_queue_records", labels: l("pipeline", "hs", "class", "other"), absent: true},
			},
		},
		{
			name: "config reloads",
			calls: func(m *Metrics) {
				m.ConfigReload(true)
				m.ConfigReload(false)
				m.ConfigReload(false)
			},
			want: []series{
				{name: "leadsync_config_reloads_total", labels: l("result", "success"), want: 1},
				{name: "leadsync_config_reloads_total", labels: l("result", "failure"), want: 2},
				{name: "leadsync_config_last_reload_successful", labels: l(), want: 0},
			},
		},
		{
			name: "refreshed records by trigger, bounded",
			calls: func(m *Metrics) {
				m.RecordsRefreshed("hs", "signal", 2)
				m.RecordsRefreshed("hs", "signal", 1)
				m.RecordsRefreshed("hs", "schedule", 0)
				m.RecordsRefreshed("sf", "webhook", 4)
			},
			want: []series{
				{name: "leadsync_refreshed_records_total", labels: l("pipeline", "hs", "trigger", "signal"), want: 3},
				{name: "leadsync_refreshed_records_total", labels: l("pipeline", "hs", "trigger", "schedule"), want: 0},
				{name: "leadsync_refreshed_records_total", labels: l("pipeline", "sf", "trigger", "other"), want: 4},
				{name: "leadsync_refreshed_records_total", labels: l("pipeline", "sf", "trigger", "webhook"), absent: true},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := NewMetrics()
			tt.calls(m)
			checkSeries(t, scrape(t, m), tt.want)
		})
	}
}

// Every leadsync metric carries HELP text and only bounded label values.
func TestMetricsAreDocumentedAndBounded(t *testing.T) {
	m := NewMetrics()
	for i := range 50 { // many unknown values must collapse into one "other"
		m.RecordOutcome("hs", "parked", "class-"+string(rune('a'+i%26)), 1)
		m.CallFinished("lusha", "code-"+string(rune('a'+i%26)))
	}
	m.RunFinished("hs", "ok", state.RunCounts{}, time.Second, time.Now())
	families := scrape(t, m)
	var names []string
	for name, f := range families {
		if !strings.HasPrefix(name, "leadsync_") {
			continue
		}
		names = append(names, name)
		if strings.TrimSpace(f.GetHelp()) == "" {
			t.Errorf("%s has no HELP text", name)
		}
	}
	sort.Strings(names)
	if len(names) < 8 {
		t.Errorf("leadsync metrics exposed: %v", names)
	}
	if n := len(families["leadsync_record_outcomes_total"].GetMetric()); n != 1 {
		t.Errorf("record outcomes with 26 unknown classes: %d series, want 1", n)
	}
	if n := len(families["leadsync_calls_total"].GetMetric()); n != 1 {
		t.Errorf("calls with 26 unknown classes: %d series, want 1", n)
	}
	if _, ok := families["go_goroutines"]; !ok {
		t.Error("Go runtime collector missing")
	}
}

// Every method of a nil *Metrics is a no-op, so callers without metrics need no checks.
func TestNilMetricsIsNoop(t *testing.T) {
	var m *Metrics
	m.RunFinished("p", "ok", state.RunCounts{RecordsRead: 1}, time.Second, time.Now())
	m.RecordOutcome("p", "done", "", 1)
	m.CallFinished("lusha", "")
	m.BreakerState("lusha", "open")
	m.LimiterWait("lusha", time.Second)
	m.CreditBudget(1)
	m.NoCreditBudget()
	m.CursorLag("p", time.Second)
	m.RetryQueue("p", map[string]int{"invalid": 1})
	m.ConfigReload(false)
	m.RecordsRefreshed("p", "signal", 1)
}

// Two Metrics in one process do not collide: each has its own registry.
func TestMetricsArePrivate(t *testing.T) {
	a, b := NewMetrics(), NewMetrics()
	a.CallFinished("lusha", "")
	if _, ok := value(scrape(t, b), "leadsync_calls_total", l("service", "lusha", "class", "ok")); ok {
		t.Error("a call recorded on one Metrics shows on another")
	}
}
