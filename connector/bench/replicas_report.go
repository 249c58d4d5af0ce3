package bench

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/leadsync/leadsync/state"
)

// Measurement is one workload synced to the end by N replicas on one state backend.
type Measurement struct {
	Backend   string `json:"backend"` // postgresql or sqlite
	Replicas  int    `json:"replicas"`
	Pipelines int    `json:"pipelines"`
	Portals   int    `json:"portals"`
	Leads     int    `json:"leads"`

	Limits       Limits       `json:"limits"`
	ClientLimits ClientLimits `json:"client_limits"`
	// SyncSeconds runs from the first run's start to the last run's end, as the state
	// recorded them: the replicas' start-up and leader election are not in it.
	SyncSeconds    float64 `json:"sync_seconds"`
	LeadsPerSecond float64 `json:"leads_per_second"`
	// Bound is the cluster-wide bound: every portal's pacing and the one Lusha
	// account's rate, each shared by all replicas, over the calls counted at the fakes.
	Bound           Bound   `json:"bound"`
	ThroughputRatio float64 `json:"throughput_ratio"`

	// Limit answers from every fake: each portal and Lusha.
	HTTP429      int            `json:"http_429"`
	HTTP429ByAPI map[string]int `json:"http_429_by_api"`

	Credits     Credits `json:"credits"`
	CreditRatio float64 `json:"credit_ratio"`

	// ReplicaCPUSeconds is the replicas' CPU time (user + system, their start and
	// shutdown included), CPUPerLeadMicros that per lead; MachineBusy is the share of
	// all the machine's CPUs busy while they synced: theirs, PostgreSQL's, the fakes'
	// and anything else running. Near 1, the machine, not a limit, bounds the sync.
	ReplicaCPUSeconds float64 `json:"replica_cpu_seconds"`
	CPUPerLeadMicros  float64 `json:"replica_cpu_us_per_lead"`
	MachineBusy       float64 `json:"machine_busy"`

	// Outcome sums the runs; its Status is "ok" when every run's was.
	Outcome Outcome `json:"outcome"`
	// RunsByReplica counts the runs by the replica that ran them (the run's lease
	// owner up to its job: host-pid).
	RunsByReplica map[string]int `json:"runs_by_replica"`
	// Runs are the runs one by one, in the order they started.
	Runs []RunTiming `json:"runs"`
}

// RunTiming is one run as the state recorded it, its times from the first run's start.
type RunTiming struct {
	Pipeline    string  `json:"pipeline"`
	Replica     string  `json:"replica"`
	Status      string  `json:"status"`
	Read        int     `json:"records_read"`
	StartSecond float64 `json:"start_s"`
	EndSecond   float64 `json:"end_s"`
}

// observed is what a measurement saw: the state's runs, the fakes' traffic and credits,
// and the CPU time spent.
type observed struct {
	runs        []state.Run
	portals     []Traffic
	lusha       Traffic
	credits     Credits
	replicaCPU  time.Duration
	machineBusy float64
}

func newMeasurement(backend string, n int, opts ReplicaOptions, limited Limits, paced ClientLimits, seen observed) Measurement {
	runs, lusha, credits := seen.runs, seen.lusha, seen.credits
	m := Measurement{Backend: backend, Replicas: n, Pipelines: opts.Pipelines, Portals: opts.Portals, Leads: opts.Leads,
		Limits: limited, ClientLimits: paced, HTTP429ByAPI: map[string]int{"lusha": lusha.HTTP429}, Credits: credits,
		CreditRatio: ratio(float64(credits.Spent), float64(credits.Needed)), RunsByReplica: map[string]int{},
		ReplicaCPUSeconds: seen.replicaCPU.Seconds(), MachineBusy: seen.machineBusy}
	var first, last time.Time
	statuses := map[string]bool{}
	for _, r := range runs {
		o := &m.Outcome
		o.Runs++
		o.RecordsRead += r.Counts.RecordsRead
		o.RecordsWritten += r.Counts.RecordsWritten
		o.RecordsFailed += r.Counts.RecordsFailed
		o.CreditsSpent += r.Counts.CreditsSpent
		statuses[r.Status] = true
		m.RunsByReplica[replicaOf(r)]++
		if first.IsZero() || r.StartedAt.Before(first) {
			first = r.StartedAt
		}
		if r.FinishedAt.After(last) {
			last = r.FinishedAt
		}
	}
	m.Outcome.Status = strings.Join(slices.Sorted(maps.Keys(statuses)), ",")
	for _, r := range runs {
		m.Runs = append(m.Runs, RunTiming{Pipeline: r.Pipeline, Replica: replicaOf(r), Status: r.Status, Read: r.Counts.RecordsRead,
			StartSecond: r.StartedAt.Sub(first).Seconds(), EndSecond: r.FinishedAt.Sub(first).Seconds()})
	}
	slices.SortFunc(m.Runs, func(a, b RunTiming) int { return cmp.Compare(a.StartSecond, b.StartSecond) })
	elapsed := last.Sub(first)
	m.SyncSeconds = elapsed.Seconds()
	m.LeadsPerSecond = ratio(float64(m.Outcome.RecordsRead), m.SyncSeconds)
	var stages []Stage
	m.HTTP429 = lusha.HTTP429
	m.CPUPerLeadMicros = perLead(seen.replicaCPU, m.Outcome.RecordsRead)
	for k, t := range seen.portals {
		for _, s := range hubspotStages(m.Outcome.RecordsRead, paced, limited, t, elapsed) {
			name := portalName(k) + " " + strings.TrimPrefix(s.Name, "HubSpot ")
			s.Name, s.Formula = name, strings.Replace(s.Formula, s.Name, name, 1)
			stages = append(stages, s)
		}
		m.HTTP429 += t.HTTP429
		m.HTTP429ByAPI[portalName(k)] = t.HTTP429
	}
	m.Bound = boundOf(append(stages, lushaStage(m.Outcome.RecordsRead, paced, limited, lusha, elapsed)))
	m.ThroughputRatio = ratio(m.LeadsPerSecond, m.Bound.LeadsPerSecond)
	return m
}

// replicaOf is the replica that ran r: its lease owner up to the tick job's id
// (host-pid), or the whole owner of a process without cluster (host/pid/start).
func replicaOf(r state.Run) string {
	replica, _, _ := strings.Cut(r.Runner, "/job-")
	return replica
}

// WriteText prints the cluster's figures, then the baseline's.
func (r ReplicasReport) WriteText(w io.Writer) {
	fmt.Fprintf(w, "machine:          %d CPUs, %s, %s, %s\n", r.Machine.CPUs, r.Machine.CPUModel, r.Machine.OS, r.Machine.Go)
	r.Cluster.WriteText(w)
	if r.Baseline != nil {
		r.Baseline.WriteText(w)
	}
}

// WriteText prints one line per figure, the bound with its formula.
func (m Measurement) WriteText(w io.Writer) {
	fmt.Fprintf(w, "== %d × leadsync run on %s: %d HubSpot pipelines over %d portals, one Lusha account\n",
		m.Replicas, m.Backend, m.Pipelines, m.Portals)
	o := m.Outcome
	fmt.Fprintf(w, "sync:             %d leads in %.1f s, %d runs, status %s, %d written, %d failed\n",
		o.RecordsRead, m.SyncSeconds, o.Runs, o.Status, o.RecordsWritten, o.RecordsFailed)
	var by []string
	for _, k := range slices.Sorted(maps.Keys(m.RunsByReplica)) {
		by = append(by, fmt.Sprintf("%s %d", k, m.RunsByReplica[k]))
	}
	fmt.Fprintf(w, "runs by replica:  %s\n", strings.Join(by, ", "))
	fmt.Fprintf(w, "throughput:       %.1f leads/s\n", m.LeadsPerSecond)
	fmt.Fprintf(w, "bound:            %.1f leads/s (%s binds) = %s\n", m.Bound.LeadsPerSecond, m.Bound.Binding, m.Bound.Formula)
	fmt.Fprintf(w, "throughput ratio: %.3f\n", m.ThroughputRatio)
	writeStages(w, m.Bound.Stages)
	fmt.Fprintln(w, "  (a portal's leads/call are all portals' leads per call to it: the cluster's bound at its pacing)")
	var answers []string
	for _, k := range slices.Sorted(maps.Keys(m.HTTP429ByAPI)) {
		answers = append(answers, fmt.Sprintf("%s %d", k, m.HTTP429ByAPI[k]))
	}
	fmt.Fprintf(w, "http 429:         %d (%s)\n", m.HTTP429, strings.Join(answers, ", "))
	fmt.Fprintf(w, "cpu:              replicas %.1f s (%.0f µs per lead); machine %.0f%% busy while they synced (%d CPUs)\n",
		m.ReplicaCPUSeconds, m.CPUPerLeadMicros, 100*m.MachineBusy, runtime.NumCPU())
	c := m.Credits
	fmt.Fprintf(w, "credits:          %d spent, %d needed (search %d + phones %d + companies %d), ratio %.3f; %d bought twice\n",
		c.Spent, c.Needed, c.NeededSearch, c.NeededPhones, c.NeededCompanies, m.CreditRatio, c.BoughtTwice)
}
