package bench

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"
)

// Stage is one rate limit that the sync's calls count against, and what it allows.
type Stage struct {
	Name string `json:"name"`
	// Limit is the calls per second leadsync's configured pacing sends at most,
	// LimitText its configured form; FakeLimit is what the fake admits, which the
	// pacing must stay under.
	Limit     float64 `json:"limit_per_second"`
	LimitText string  `json:"limit"`
	FakeLimit string  `json:"fake_limit"`
	// Calls are the calls the fake admitted during the sync, by endpoint.
	Calls map[string]int `json:"calls"`
	// LeadsPerCall is leads ÷ calls: the batch size as the engine achieved it.
	LeadsPerCall float64 `json:"leads_per_call"`
	// LeadsPerSecond is Limit × LeadsPerCall: the stage's own bound.
	LeadsPerSecond float64 `json:"leads_per_second"`
	// Utilisation is calls ÷ (Limit × sync time): 1 is a stage that never idled.
	Utilisation float64 `json:"utilisation"`
	Formula     string  `json:"formula"`
}

// Bound is the throughput the enforced limits allow for the calls the engine needs:
// the slowest stage's bound.
type Bound struct {
	LeadsPerSecond float64 `json:"leads_per_second"`
	Binding        string  `json:"binding"`
	Formula        string  `json:"formula"`
	Stages         []Stage `json:"stages"`
}

// computeBound derives the bound from leadsync's configured pacing (what the client
// will send, which stays under what the fakes admit) and the calls each limit counted
// per lead in the sync, so the batch sizes are the ones the engine actually reached:
//
//	bound = min(search/s × leads/search, other calls/s × leads/call, Lusha/s × leads/call)
func computeBound(leads int, client ClientLimits, fake Limits, hub, lu Traffic, elapsed time.Duration) Bound {
	search := map[string]int{kindHubSpotSearch: hub.Calls[kindHubSpotSearch]}
	other := maps.Clone(hub.Calls)
	delete(other, kindHubSpotSearch)
	lushaRate := client.LushaPerSecond
	if lushaRate >= unlimited {
		lushaRate = 0 // switched off
	}
	stages := []Stage{
		newStage("HubSpot search", max(client.HubSpotSearchPerSecond, 0), fmt.Sprintf("%g/s", client.HubSpotSearchPerSecond),
			search, leads, elapsed),
		newStage("HubSpot other calls", client.otherCallsPerSecond(),
			fmt.Sprintf("%g/s (%d/10s paced)", client.otherCallsPerSecond(), client.HubSpotCallsPer10s), other, leads, elapsed),
		newStage("Lusha", lushaRate, fmt.Sprintf("%g/s", lushaRate), lu.Calls, leads, elapsed),
	}
	stages[0].FakeLimit = fmt.Sprintf("%d/s", fake.HubSpotSearchPerSecond)
	stages[1].FakeLimit = fmt.Sprintf("%d/10s", fake.HubSpotCallsPer10s)
	stages[2].FakeLimit = fmt.Sprintf("%d/s", fake.LushaPerSecond)
	b := Bound{LeadsPerSecond: math.Inf(1), Stages: stages}
	var terms []string
	for _, s := range stages {
		if math.IsInf(s.LeadsPerSecond, 1) {
			continue // no calls, or no limit: this stage bounds nothing
		}
		terms = append(terms, s.Formula)
		if s.LeadsPerSecond < b.LeadsPerSecond {
			b.LeadsPerSecond, b.Binding = s.LeadsPerSecond, s.Name
		}
	}
	b.Formula = fmt.Sprintf("min(%s) = %.1f leads/s", strings.Join(terms, "; "), b.LeadsPerSecond)
	return b
}

func newStage(name string, limit float64, limitText string, calls map[string]int, leads int, elapsed time.Duration) Stage {
	s := Stage{Name: name, Limit: limit, LimitText: limitText, Calls: calls, LeadsPerSecond: math.Inf(1)}
	total := 0
	for _, n := range calls {
		total += n
	}
	if total == 0 || limit == 0 || leads == 0 {
		return s
	}
	s.LeadsPerCall = float64(leads) / float64(total)
	s.LeadsPerSecond = limit * s.LeadsPerCall
	if elapsed > 0 {
		s.Utilisation = float64(total) / (limit * elapsed.Seconds())
	}
	// Per 100 leads, by endpoint: where the calls go.
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(calls)) {
		parts = append(parts, fmt.Sprintf("%s %.2f", k, 100*float64(calls[k])/float64(leads)))
	}
	s.Formula = fmt.Sprintf("%s %s × 100 ÷ (%s = %.2f calls per 100 leads) = %.1f",
		name, limitText, strings.Join(parts, " + "), 100/s.LeadsPerCall, s.LeadsPerSecond)
	return s
}
