package observe

import (
	"slices"

	"github.com/leadsync/leadsync/crm"
)

// Label values outside these closed sets become "other": a typo or a new value in
// the engine must not create unbounded series.
const otherLabel = "other"

// RunStatuses are the final statuses of a run (DESIGN §6).
var RunStatuses = []string{"ok", "partial", "failed", "credits_exhausted", "quota_exhausted", "upstream_unavailable"}

// RecordOutcomes are the per-record outcomes, as stored in state.
var RecordOutcomes = []string{"done", "skipped", "parked", "pending"}

// breakerStates maps gobreaker's State.String() to the gauge value, which is the
// numeric gobreaker.State, so dashboards can compare with the library's docs.
var breakerStates = map[string]float64{"closed": 0, "half-open": 1, "open": 2}

// successStatuses are run statuses after which the pipeline did its job: a partial
// run finished and parked its failures, which is normal operation.
var successStatuses = []string{"ok", "partial"}

func oneOf(value string, allowed []string) string {
	if slices.Contains(allowed, value) {
		return value
	}
	return otherLabel
}

// classLabel bounds an error class to crm.Classes; the empty class is rendered as
// none, which reads better than an empty label.
func classLabel(class, none string) string {
	if class == "" {
		return none
	}
	if slices.Contains(crm.Classes, crm.Class(class)) {
		return class
	}
	return otherLabel
}

// classLabels lists every class label value, for series created up front.
func classLabels(none string) []string {
	out := []string{none}
	for _, c := range crm.Classes {
		out = append(out, string(c))
	}
	return out
}
