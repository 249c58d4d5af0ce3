package observe

import "github.com/prometheus/client_golang/prometheus"

// signalMetrics count Lusha's webhook deliveries.
type signalMetrics struct {
	received, applied *prometheus.CounterVec
	refreshed         *prometheus.CounterVec
	subscriptions     *prometheus.GaugeVec
	subscriptionsMax  prometheus.Gauge
}

// subscriptionStates are the signal subscriptions' states on /metrics.
var subscriptionStates = []string{"active", "disabled", "missing"}

// signalKinds are the deliveries' kinds: a contact or company signal, an opt-out.
var signalKinds = []string{"contact", "company", "opt_out", "other"}

// refreshTriggers are what refreshed records: a signal's action, or the scheduled
// refresh (refresh_after).
var refreshTriggers = []string{"signal", "schedule"}

func (m *Metrics) registerSignalMetrics() {
	m.signals.received = m.counterVec("signals_received_total",
		"Lusha webhook deliveries stored in the inbox, by kind (contact, company, opt_out); retries count once.", "kind")
	m.signals.applied = m.counterVec("signals_applied_total",
		"Lusha webhook deliveries applied from the inbox, by kind (opt_out: the person erased and suppressed).", "kind")
	for _, k := range signalKinds {
		m.signals.received.WithLabelValues(k)
		m.signals.applied.WithLabelValues(k)
	}
	m.signals.refreshed = m.counterVec("refreshed_records_total",
		"Records enriched again after their first enrichment and mapped, by pipeline and trigger (signal: a Lusha "+
			"signal's action; schedule: the scheduled refresh).", "pipeline", "trigger")
	m.signals.subscriptions = m.gaugeVec("signal_subscriptions",
		"leadsync's Lusha signal subscriptions after the last pass, by state (active; disabled by Lusha after failed "+
			"deliveries; missing: wanted but not subscribed, the account being full). 0 on a replica that does not manage them.",
		"state")
	for _, st := range subscriptionStates {
		m.signals.subscriptions.WithLabelValues(st)
	}
	m.signals.subscriptionsMax = m.gauge("signal_subscriptions_max",
		"lusha.subscriptions.max, the most subscriptions the account may hold; 0 when left to Lusha's limit.")
}

// SetSubscriptions records the signal subscriptions a pass left.
func (m *Metrics) SetSubscriptions(active, disabled, missing, max int) {
	if m == nil {
		return
	}
	for i, n := range []int{active, disabled, missing} {
		m.signals.subscriptions.WithLabelValues(subscriptionStates[i]).Set(float64(n))
	}
	m.signals.subscriptionsMax.Set(float64(max))
}

// SignalReceived counts a delivery stored in the inbox.
func (m *Metrics) SignalReceived(kind string) {
	if m != nil {
		m.signals.received.WithLabelValues(oneOf(kind, signalKinds)).Inc()
	}
}

// SignalApplied counts a delivery applied from the inbox.
func (m *Metrics) SignalApplied(kind string) {
	if m != nil {
		m.signals.applied.WithLabelValues(oneOf(kind, signalKinds)).Inc()
	}
}

// RecordsRefreshed counts n records of pipeline enriched again and mapped, by a
// signal's action (trigger "signal") or the scheduled refresh ("schedule").
func (m *Metrics) RecordsRefreshed(pipeline, trigger string, n int) {
	if m == nil {
		return
	}
	for _, t := range refreshTriggers { // zero series first, so the first refresh shows as an increase
		m.signals.refreshed.WithLabelValues(pipeline, t)
	}
	add(m.signals.refreshed.WithLabelValues(pipeline, oneOf(trigger, refreshTriggers)), n)
}
