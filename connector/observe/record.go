package observe

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/leadsync/leadsync/state"
)

// RunFinished records one finished run of pipeline: its status, the figures of its
// summary, its duration, and, when it completed (ok or partial), its finish time
// as the pipeline's last success.
func (m *Metrics) RunFinished(pipeline, status string, counts state.RunCounts, duration time.Duration, finishedAt time.Time) {
	if m == nil {
		return
	}
	for _, s := range RunStatuses { // zero series first, so the first failure shows as an increase
		m.runs.WithLabelValues(pipeline, s)
	}
	m.runs.WithLabelValues(pipeline, oneOf(status, RunStatuses)).Inc()
	m.runDuration.WithLabelValues(pipeline).Observe(duration.Seconds())
	for outcome, n := range map[string]int{
		"read": counts.RecordsRead, "enriched": counts.RecordsEnriched, "written": counts.RecordsWritten,
		"skipped": counts.RecordsSkipped, "failed": counts.RecordsFailed,
	} {
		add(m.runRecords.WithLabelValues(pipeline, outcome), n)
	}
	add(m.fieldsWritten.WithLabelValues(pipeline), counts.FieldsWritten)
	add(m.creditsSpent.WithLabelValues(pipeline), counts.CreditsSpent)
	if oneOf(status, successStatuses) != otherLabel {
		m.lastSuccess.WithLabelValues(pipeline).Set(float64(finishedAt.UnixMilli()) / 1e3)
	}
}

// RecordOutcome counts n records of pipeline that ended with outcome (done,
// skipped, parked, pending) and error class ("" for none).
func (m *Metrics) RecordOutcome(pipeline, outcome, class string, n int) {
	if m == nil {
		return
	}
	add(m.recordOutcomes.WithLabelValues(pipeline, oneOf(outcome, RecordOutcomes), classLabel(class, "none")), n)
}

// DropReasons are the reasons a record's state is dropped: deleted, the CRM's
// deletion feed listed it.
var DropReasons = []string{"deleted"}

// RecordsDropped counts n record states of pipeline dropped for reason.
func (m *Metrics) RecordsDropped(pipeline, reason string, n int) {
	if m == nil {
		return
	}
	add(m.recordsDropped.WithLabelValues(pipeline, oneOf(reason, DropReasons)), n)
}

// CallFinished counts one call to service ("lusha" or a CRM account) that ended
// with class ("" when it succeeded).
func (m *Metrics) CallFinished(service, class string) {
	if m == nil {
		return
	}
	m.calls.WithLabelValues(service, classLabel(class, "ok")).Inc()
}

// BreakerState sets the state ("closed", "half-open", "open", as gobreaker's
// State.String() prints it) of breaker name. It only sets a gauge, takes no lock of
// the caller and calls nothing back, so it is safe inside gobreaker's
// OnStateChange, which runs under the breaker's mutex. Unknown states are ignored.
func (m *Metrics) BreakerState(name, state string) {
	if m == nil {
		return
	}
	if v, ok := breakerStates[state]; ok {
		m.breakerState.WithLabelValues(name).Set(v)
	}
}

// LimiterWait records that a call to service waited d for its rate limiter.
func (m *Metrics) LimiterWait(service string, d time.Duration) {
	if m == nil || d < 0 {
		return
	}
	m.limiterWait.WithLabelValues(service).Observe(d.Seconds())
}

// CreditBudget sets the Lusha credits left in today's budget; an overspent budget
// shows as 0.
func (m *Metrics) CreditBudget(left int) {
	if m == nil {
		return
	}
	m.creditBudget.WithLabelValues().Set(float64(max(left, 0)))
}

// NoCreditBudget removes the budget gauge, when a reload drops the daily budget.
func (m *Metrics) NoCreditBudget() {
	if m == nil {
		return
	}
	m.creditBudget.DeleteLabelValues()
}

// CursorLag sets how far pipeline's stored cursor trails the present.
func (m *Metrics) CursorLag(pipeline string, lag time.Duration) {
	if m == nil {
		return
	}
	m.cursorLag.WithLabelValues(pipeline).Set(max(lag, 0).Seconds())
}

// RetryQueue sets the size of pipeline's retry queue by error class ("" for none).
// Every class absent from byClass is set to 0, so a drained class drops to zero
// instead of keeping its last value.
func (m *Metrics) RetryQueue(pipeline string, byClass map[string]int) {
	if m == nil {
		return
	}
	sizes := map[string]int{otherLabel: 0}
	for _, c := range classLabels("none") {
		sizes[c] = 0
	}
	for class, n := range byClass {
		sizes[classLabel(class, "none")] += n
	}
	for class, n := range sizes {
		if class == otherLabel && n == 0 {
			// "other" appears only while the engine reports an unknown class.
			m.retryQueue.DeleteLabelValues(pipeline, class)
			continue
		}
		m.retryQueue.WithLabelValues(pipeline, class).Set(float64(n))
	}
}

// ConfigReload records one configuration reload attempt and whether it succeeded.
func (m *Metrics) ConfigReload(ok bool) {
	if m == nil {
		return
	}
	result, value := "failure", 0.0
	if ok {
		result, value = "success", 1.0
	}
	m.reloads.WithLabelValues(result).Inc()
	m.reloadOK.Set(value)
}

// add adds n to a counter; counters panic on negative values, and a negative
// figure in a summary is a bug upstream that must not crash the daemon.
func add(c prometheus.Counter, n int) {
	if n > 0 {
		c.Add(float64(n))
	}
}
