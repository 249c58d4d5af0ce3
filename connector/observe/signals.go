package observe

import "github.com/prometheus/client_golang/prometheus"

// signalMetrics count Lusha's webhook deliveries.
type signalMetrics struct {
	received, applied *prometheus.CounterVec
	subscriptions     *prometheus.GaugeVec
	subscriptionsMax  prometheus.Gauge
}

// subscriptionStates are the signal subscriptions' states on /metrics.
var subscriptionStates = []string{"active", "disabled", "missing"}

// signalKinds are the deliveries' kinds: a contact or company signal, an opt-out.
var signalKinds = []string{"contact", "company", "opt_out", "other"}

func (m *Metrics) registerSignalMetrics() {
	m.signals.received = m.counterVec("signals_received_total",
		"Lusha webhook deliveries stored in the inbox, by kind (contact, company, opt_out); retries count once.", "kind")
	m.signals.applied = m.counterVec("signals_applied_total",
		"Lusha webhook deliveries applied from the inbox, by kind (opt_out: the person erased and suppressed).", "kind")
	for _, k := range signalKinds {
		m.signals.received.WithLabelValues(k)
		m.signals.applied.WithLabelValues(k)
	}
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
