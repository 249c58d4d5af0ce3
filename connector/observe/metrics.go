// Package observe exposes leadsync's operational metrics in Prometheus format on a
// private registry, behind plain methods that the engine calls (no Prometheus types).
package observe

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

const namespace = "leadsync"

// Metrics holds every leadsync metric. Its methods are safe for concurrent use and
// do nothing on a nil *Metrics, so code paths without metrics (one-shot `sync`)
// need no checks.
type Metrics struct {
	registry *prometheus.Registry

	runs           *prometheus.CounterVec
	runDuration    *prometheus.HistogramVec
	runRecords     *prometheus.CounterVec
	fieldsWritten  *prometheus.CounterVec
	creditsSpent   *prometheus.CounterVec
	lastSuccess    *prometheus.GaugeVec
	recordOutcomes *prometheus.CounterVec
	recordsDropped *prometheus.CounterVec
	calls          *prometheus.CounterVec
	breakerState   *prometheus.GaugeVec
	limiterWait    *prometheus.HistogramVec
	creditBudget   *prometheus.GaugeVec // no labels: a vec so the series can be absent
	cursorLag      *prometheus.GaugeVec
	retryQueue     *prometheus.GaugeVec
	reloads        *prometheus.CounterVec
	reloadOK       prometheus.Gauge
	signals        signalMetrics
}

// NewMetrics registers leadsync's metrics, plus the Go runtime and process
// collectors, on a registry of its own (never the global one: two daemons in one
// test binary must not collide).
func NewMetrics() *Metrics {
	m := &Metrics{registry: prometheus.NewRegistry()}
	m.registerRunMetrics()
	m.registerDependencyMetrics()
	m.registerQueueMetrics()
	m.registerSignalMetrics()
	m.registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// Handler serves the metrics in the Prometheus exposition formats, for /metrics.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{
		Registry:      m.registry, // counts scrape errors in promhttp_metric_handler_errors_total
		ErrorHandling: promhttp.ContinueOnError,
	})
}

func (m *Metrics) registerRunMetrics() {
	m.runs = m.counterVec("runs_total",
		"Finished pipeline runs by pipeline and final status (ok, partial, failed, credits_exhausted, quota_exhausted, upstream_unavailable).",
		"pipeline", "status")
	m.runDuration = m.histogramVec("run_duration_seconds",
		"Wall-clock duration of finished pipeline runs.",
		prometheus.ExponentialBuckets(1, 2, 14), "pipeline")
	m.runRecords = m.counterVec("run_records_total",
		"Records handled by finished runs, summed from the run summaries, by outcome (read, enriched, written, skipped, failed).",
		"pipeline", "outcome")
	m.fieldsWritten = m.counterVec("fields_written_total",
		"CRM fields written by finished runs, summed from the run summaries.", "pipeline")
	m.creditsSpent = m.counterVec("credits_spent_total",
		"Lusha credits spent by finished runs, summed from the run summaries.", "pipeline")
	m.lastSuccess = m.gaugeVec("last_success_timestamp_seconds",
		"Unix time at which the pipeline's last run that completed (status ok or partial) finished.", "pipeline")
	m.recordOutcomes = m.counterVec("record_outcomes_total",
		"Per-record outcomes as they are recorded (done, skipped, parked, pending) by error class (none when the record has no error).",
		"pipeline", "outcome", "class")
	m.recordsDropped = m.counterVec("records_dropped_total",
		"Record states dropped because the CRM no longer has the record, by reason (deleted: the CRM's deletion feed listed it).",
		"pipeline", "reason")
}

func (m *Metrics) registerDependencyMetrics() {
	m.calls = m.counterVec("calls_total",
		"Calls to external services (lusha and each CRM account) by outcome class (ok when the call succeeded).",
		"service", "class")
	m.breakerState = m.gaugeVec("breaker_state",
		"State of each circuit breaker: 0 closed, 1 half-open, 2 open.", "name")
	m.limiterWait = m.histogramVec("limiter_wait_seconds",
		"Time spent waiting for a rate limiter before a call, by service.",
		[]float64{0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}, "service")
	m.creditBudget = m.gaugeVec("credit_budget_left",
		"Lusha credits left in today's budget; absent while no daily budget is configured.")
}

func (m *Metrics) registerQueueMetrics() {
	m.cursorLag = m.gaugeVec("cursor_lag_seconds",
		"How far the pipeline's stored cursor trails the present, in seconds.", "pipeline")
	m.retryQueue = m.gaugeVec("retry_queue_records",
		"Records waiting in the retry queue, by pipeline and error class.", "pipeline", "class")
	m.reloads = m.counterVec("config_reloads_total",
		"Configuration reload attempts by result (success, failure).", "result")
	m.reloadOK = m.gauge("config_last_reload_successful",
		"1 when the last configuration reload succeeded (or none was attempted), 0 when it failed and the old configuration still runs.")
	m.reloadOK.Set(1)
	for _, result := range []string{"success", "failure"} {
		m.reloads.WithLabelValues(result) // present from the start so increase() sees the first one
	}
}

func (m *Metrics) counterVec(name, help string, labels ...string) *prometheus.CounterVec {
	v := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: name, Help: help}, labels)
	m.registry.MustRegister(v)
	return v
}

func (m *Metrics) gaugeVec(name, help string, labels ...string) *prometheus.GaugeVec {
	v := prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: namespace, Name: name, Help: help}, labels)
	m.registry.MustRegister(v)
	return v
}

func (m *Metrics) gauge(name, help string) prometheus.Gauge {
	g := prometheus.NewGauge(prometheus.GaugeOpts{Namespace: namespace, Name: name, Help: help})
	m.registry.MustRegister(g)
	return g
}

func (m *Metrics) histogramVec(name, help string, buckets []float64, labels ...string) *prometheus.HistogramVec {
	v := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace, Name: name, Help: help, Buckets: buckets}, labels)
	m.registry.MustRegister(v)
	return v
}
