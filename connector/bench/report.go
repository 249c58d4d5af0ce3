package bench

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"
)

// Report holds the benchmark's figures; the four ratios of DESIGN §8 are
// ThroughputRatio, HTTP429, MemoryRatio and CreditRatio.
type Report struct {
	CRM     string  `json:"crm"`
	Leads   int     `json:"leads"`
	Machine Machine `json:"machine"`

	// Throughput of the sync with the limits enforced.
	Limits          Limits       `json:"limits"`
	ClientLimits    ClientLimits `json:"client_limits"`
	SyncSeconds     float64      `json:"sync_seconds"`
	LeadsPerSecond  float64      `json:"leads_per_second"`
	Bound           Bound        `json:"bound"`
	ThroughputRatio float64      `json:"throughput_ratio"`
	// HandlerShare is, per API, the time its fake spent answering ÷ the sync time:
	// with one request at a time, the share of the sync spent waiting on that API.
	HandlerShare map[string]float64 `json:"handler_share"`
	Outcome      Outcome            `json:"outcome"`

	// Limit answers in the limits-on sync, in all and per API: 429, and for Salesforce,
	// which signals its limits by code, REQUEST_LIMIT_EXCEEDED and UNABLE_TO_LOCK_ROW.
	HTTP429      int            `json:"http_429"`
	HTTP429ByAPI map[string]int `json:"http_429_by_api"`

	// Peak resident memory of the leadsync process, limits off, at N and at
	// ScaledLeads = MemoryFactor × N.
	PeakRSSBytes       int64   `json:"peak_rss_bytes"`
	ScaledLeads        int     `json:"scaled_leads"`
	ScaledPeakRSSBytes int64   `json:"scaled_peak_rss_bytes"`
	MemoryRatio        float64 `json:"memory_ratio"`
	// RUMaxRSS are the children's ru_maxrss at N and at ScaledLeads: on Linux they
	// include the parent's (the fakes') peak, so they are shown, not compared.
	RUMaxRSSBytes       int64 `json:"ru_maxrss_bytes"`
	ScaledRUMaxRSSBytes int64 `json:"scaled_ru_maxrss_bytes"`

	// Credits of the limits-on sync: spent ÷ strictly needed.
	Credits     Credits `json:"credits"`
	CreditRatio float64 `json:"credit_ratio"`

	// CPU (user + system) of the leadsync process per lead, limits off, at N and at
	// ScaledLeads, in microseconds.
	CPUPerLeadMicros       float64 `json:"cpu_us_per_lead"`
	ScaledCPUPerLeadMicros float64 `json:"scaled_cpu_us_per_lead"`
}

// Outcome is what the limits-on sync itself reported.
type Outcome struct {
	Runs           int    `json:"runs"`
	Status         string `json:"status"`
	RecordsRead    int    `json:"records_read"`
	RecordsWritten int    `json:"records_written"`
	RecordsFailed  int    `json:"records_failed"`
	CreditsSpent   int    `json:"credits_spent"`
}

// Machine is where the figures come from.
type Machine struct {
	CPUs     int    `json:"cpus"`
	CPUModel string `json:"cpu_model"`
	OS       string `json:"os"`
	Go       string `json:"go"`
}

func thisMachine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), CPUModel: runtime.GOARCH, OS: runtime.GOOS + "/" + runtime.GOARCH,
		Go: runtime.Version()}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	return m
}

func newReport(opts Options, spec *crmSpec, on, off, big phase) Report {
	res := on.child.result
	r := Report{CRM: opts.CRM, Leads: opts.Leads, Machine: thisMachine(), Limits: on.limits, ClientLimits: on.client,
		SyncSeconds: res.SyncTime.Seconds(),
		Outcome: Outcome{Runs: res.Runs, Status: res.Status, RecordsRead: res.RecordsRead,
			RecordsWritten: res.RecordsWritten, RecordsFailed: res.RecordsFailed, CreditsSpent: res.CreditsSpent},
		HTTP429:      on.crm.HTTP429 + on.lusha.HTTP429,
		HTTP429ByAPI: map[string]int{spec.name: on.crm.HTTP429, "lusha": on.lusha.HTTP429},
		PeakRSSBytes: off.child.usage.PeakRSS, ScaledLeads: big.leads, ScaledPeakRSSBytes: big.child.usage.PeakRSS,
		RUMaxRSSBytes: off.child.usage.MaxRSS, ScaledRUMaxRSSBytes: big.child.usage.MaxRSS,
		Credits:                on.credits,
		CPUPerLeadMicros:       perLead(off.child.usage.CPU, off.leads),
		ScaledCPUPerLeadMicros: perLead(big.child.usage.CPU, big.leads),
	}
	if res.SyncTime > 0 {
		r.LeadsPerSecond = float64(res.RecordsRead) / res.SyncTime.Seconds()
		r.HandlerShare = map[string]float64{
			spec.name: on.crm.BusyTime.Seconds() / res.SyncTime.Seconds(),
			"lusha":   on.lusha.BusyTime.Seconds() / res.SyncTime.Seconds(),
		}
	}
	r.Bound = computeBound(res.RecordsRead, spec, on.client, on.limits, on.crm, on.lusha, res.SyncTime)
	r.ThroughputRatio = ratio(r.LeadsPerSecond, r.Bound.LeadsPerSecond)
	r.MemoryRatio = ratio(float64(r.ScaledPeakRSSBytes), float64(r.PeakRSSBytes))
	r.CreditRatio = ratio(float64(r.Credits.Spent), float64(r.Credits.Needed))
	return r
}

func perLead(cpu time.Duration, leads int) float64 {
	return float64(cpu.Microseconds()) / float64(max(leads, 1))
}

// ratio is a ÷ b, 0 when b is 0 (nothing to compare with).
func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// WriteText prints one line per figure, the bound with its formula.
func (r Report) WriteText(w io.Writer) {
	mib := func(b int64) float64 { return float64(b) / (1 << 20) }
	fmt.Fprintf(w, "machine:          %d CPUs, %s, %s, %s\n", r.Machine.CPUs, r.Machine.CPUModel, r.Machine.OS, r.Machine.Go)
	fmt.Fprintf(w, "sync:             %d %s leads in %.1f s, %d runs, status %s, %d written, %d failed\n",
		r.Outcome.RecordsRead, r.CRM, r.SyncSeconds, r.Outcome.Runs, r.Outcome.Status, r.Outcome.RecordsWritten, r.Outcome.RecordsFailed)
	fmt.Fprintf(w, "throughput:       %.1f leads/s\n", r.LeadsPerSecond)
	fmt.Fprintf(w, "bound:            %.1f leads/s (%s binds) = %s\n", r.Bound.LeadsPerSecond, r.Bound.Binding, r.Bound.Formula)
	fmt.Fprintf(w, "throughput ratio: %.3f\n", r.ThroughputRatio)
	writeStages(w, r.Bound.Stages)
	if d := r.Bound.Daily; d != nil {
		fmt.Fprintf(w, "  %s: %d of %d calls used (%.3f%%); at this rate they allow %.0f leads/day (%.1f leads/s over 24 h)\n",
			d.Name, d.Calls, d.Limit, 100*d.Share, d.LeadsPerDay, d.LeadsPerSecond)
	}
	label := crmLabel(r.CRM)
	fmt.Fprintf(w, "  time in handlers: %s %.1f%%, Lusha %.1f%% of the sync\n", label, 100*r.HandlerShare[r.CRM], 100*r.HandlerShare["lusha"])
	fmt.Fprintf(w, "http 429:         %d (%s %d, Lusha %d)%s\n", r.HTTP429, label, r.HTTP429ByAPI[r.CRM], r.HTTP429ByAPI["lusha"],
		limitNote(r.CRM))
	fmt.Fprintf(w, "peak memory:      %.1f MiB at %d leads, %.1f MiB at %d leads, ratio %.3f\n",
		mib(r.PeakRSSBytes), r.Leads, mib(r.ScaledPeakRSSBytes), r.ScaledLeads, r.MemoryRatio)
	fmt.Fprintf(w, "  ru_maxrss:        %.1f MiB, %.1f MiB (includes the parent's peak: Go starts children with CLONE_VM)\n",
		mib(r.RUMaxRSSBytes), mib(r.ScaledRUMaxRSSBytes))
	fmt.Fprintf(w, "credits:          %d spent, %d needed (search %d + phones %d + companies %d), ratio %.3f\n",
		r.Credits.Spent, r.Credits.Needed, r.Credits.NeededSearch, r.Credits.NeededPhones, r.Credits.NeededCompanies, r.CreditRatio)
	fmt.Fprintf(w, "cpu per lead:     %.0f µs at %d leads, %.0f µs at %d leads (limits off)\n",
		r.CPUPerLeadMicros, r.Leads, r.ScaledCPUPerLeadMicros, r.ScaledLeads)
}

// writeStages prints a line per stage that the sync's calls counted against.
func writeStages(w io.Writer, stages []Stage) {
	for _, s := range stages {
		switch {
		case s.LeadsPerCall > 0 && s.Limit > 0:
			fmt.Fprintf(w, "  %-19s %5.1f%% of its pacing used (%.1f leads/call; paced %s, fake %s)\n", s.Name+":",
				100*s.Utilisation, s.LeadsPerCall, s.LimitText, s.FakeLimit)
		case s.LeadsPerCall > 0:
			fmt.Fprintf(w, "  %-19s bounds nothing (%.1f leads/call; no pacing, fake %s)\n", s.Name+":",
				s.LeadsPerCall, s.FakeLimit)
		}
	}
}

// limitNote says what counts as a 429 for CRMs that signal their limits otherwise.
func limitNote(crm string) string {
	if crm == salesforceSpec.name {
		return "; Salesforce's count is its REQUEST_LIMIT_EXCEEDED and UNABLE_TO_LOCK_ROW answers"
	}
	return ""
}
