package bench

import (
	"fmt"
	"maps"
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
	// LeadsPerSecond is Limit × LeadsPerCall: the stage's own bound; 0 when the stage
	// bounds nothing (no limit, or no calls).
	LeadsPerSecond float64 `json:"leads_per_second"`
	// Utilisation is calls ÷ (Limit × sync time): 1 is a stage that never idled.
	Utilisation float64 `json:"utilisation"`
	Formula     string  `json:"formula"`
}

// Bound is the throughput the enforced limits allow for the calls the engine needs:
// the slowest stage's bound (0, bound by nothing, when no stage has a limit). Daily, when the CRM has a per-day allocation, is shown
// beside it: it bounds leads per day, not per second.
type Bound struct {
	LeadsPerSecond float64     `json:"leads_per_second"`
	Binding        string      `json:"binding"`
	Formula        string      `json:"formula"`
	Stages         []Stage     `json:"stages"`
	Daily          *DailyQuota `json:"daily,omitempty"`
}

// computeBound derives the bound from leadsync's configured pacing (what the client
// will send, which stays under what the fakes admit) and the calls each limit counted
// per lead in the sync, so the batch sizes are the ones the engine actually reached.
// For HubSpot:
//
//	bound = min(search/s × leads/search, other calls/s × leads/call, Lusha/s × leads/call)
//
// For Salesforce, whose API has no per-second limit, the bound is Lusha's term alone.
func computeBound(leads int, spec *crmSpec, client ClientLimits, fake Limits, crmTraffic, lu Traffic, elapsed time.Duration) Bound {
	b := boundOf(append(spec.stages(leads, client, fake, crmTraffic, elapsed), lushaStage(leads, client, fake, lu, elapsed)))
	b.Daily = spec.daily(leads, fake, crmTraffic)
	return b
}

// lushaStage is the Lusha account's stage: every call counts against its rate.
func lushaStage(leads int, client ClientLimits, fake Limits, lu Traffic, elapsed time.Duration) Stage {
	rate := client.LushaPerSecond
	if rate >= unlimited {
		rate = 0 // switched off
	}
	s := newStage("Lusha", rate, fmt.Sprintf("%g/s", rate), lu.Calls, leads, elapsed)
	s.FakeLimit = fmt.Sprintf("%d/s", fake.LushaPerSecond)
	return s
}

// boundOf is the slowest of stages, with the formula of every stage that bounds.
func boundOf(stages []Stage) Bound {
	b := Bound{Stages: stages}
	var terms []string
	for _, s := range stages {
		if s.LeadsPerSecond == 0 {
			continue // no calls, or no limit: this stage bounds nothing
		}
		terms = append(terms, s.Formula)
		if b.Binding == "" || s.LeadsPerSecond < b.LeadsPerSecond {
			b.LeadsPerSecond, b.Binding = s.LeadsPerSecond, s.Name
		}
	}
	b.Formula = fmt.Sprintf("min(%s) = %.1f leads/s", strings.Join(terms, "; "), b.LeadsPerSecond)
	return b
}

// newStage is one limit's stage. A stage without a limit (limit 0) still shows its
// calls per lead, and bounds nothing.
func newStage(name string, limit float64, limitText string, calls map[string]int, leads int, elapsed time.Duration) Stage {
	s := Stage{Name: name, Limit: limit, LimitText: limitText, Calls: calls}
	total := 0
	for _, n := range calls {
		total += n
	}
	if total == 0 || leads == 0 {
		return s
	}
	s.LeadsPerCall = float64(leads) / float64(total)
	// Per 100 leads, by endpoint: where the calls go.
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(calls)) {
		parts = append(parts, fmt.Sprintf("%s %.2f", k, 100*float64(calls[k])/float64(leads)))
	}
	perHundred := fmt.Sprintf("%s = %.2f calls per 100 leads", strings.Join(parts, " + "), 100/s.LeadsPerCall)
	if limit == 0 {
		s.Formula = fmt.Sprintf("%s: no per-second limit; %s", name, perHundred)
		return s
	}
	s.LeadsPerSecond = limit * s.LeadsPerCall
	if elapsed > 0 {
		s.Utilisation = float64(total) / (limit * elapsed.Seconds())
	}
	s.Formula = fmt.Sprintf("%s %s × 100 ÷ (%s) = %.1f", name, limitText, perHundred, s.LeadsPerSecond)
	return s
}

// DailyQuota is an API allocation per day and what the sync used of it.
type DailyQuota struct {
	Name  string `json:"name"`
	Limit int    `json:"limit_per_day"`
	// Calls are the calls the sync counted against it; Share is Calls ÷ Limit.
	Calls int     `json:"calls"`
	Share float64 `json:"share"`
	// LeadsPerDay is Limit × leads ÷ calls: the leads a day the allocation allows at
	// the calls per lead observed; LeadsPerSecond spreads them over 24 hours.
	LeadsPerDay    float64 `json:"leads_per_day"`
	LeadsPerSecond float64 `json:"leads_per_second_over_a_day"`
}

func newDailyQuota(name string, limit, calls, leads int) *DailyQuota {
	q := &DailyQuota{Name: name, Limit: limit, Calls: calls, Share: ratio(float64(calls), float64(limit))}
	if calls > 0 {
		q.LeadsPerDay = float64(limit) * float64(leads) / float64(calls)
		q.LeadsPerSecond = q.LeadsPerDay / (24 * time.Hour).Seconds()
	}
	return q
}
