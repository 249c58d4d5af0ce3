package observe

import "github.com/prometheus/client_golang/prometheus"

// signalMetrics count Lusha's webhook deliveries.
type signalMetrics struct {
	received, applied *prometheus.CounterVec
}

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
