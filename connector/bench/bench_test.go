package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// TestMain makes the test binary the benchmark's child when ChildEnv is set, so that
// Run can measure a sync in a process of its own.
func TestMain(m *testing.M) {
	if task := os.Getenv(ChildEnv); task != "" {
		if err := RunChild(context.Background(), task, os.Environ(), os.Stdout, os.Stderr); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	goleak.VerifyTestMain(m)
}

// TestRun runs the whole benchmark for each CRM at a small N with the limits scaled up,
// and checks the report: complete, consistent, and credit-exact. Nothing here depends
// on speed.
func TestRun(t *testing.T) {
	tests := []struct {
		spec   *crmSpec
		limits Limits
		client ClientLimits
	}{
		{&hubspotSpec, DocumentedLimits.Scaled(4), DefaultClientLimits.Scaled(4)},
		{&salesforceSpec, SalesforceDocumentedLimits.Scaled(4), SalesforceClientLimits.Scaled(4)},
	}
	for _, tt := range tests {
		t.Run(tt.spec.name, func(t *testing.T) {
			r := runSmall(t, tt.spec.name)
			if r.Limits != tt.limits {
				t.Errorf("limits %+v, want the documented ones ×4: %+v", r.Limits, tt.limits)
			}
			if r.ClientLimits != tt.client {
				t.Errorf("client limits %+v, want the defaults ×4: %+v", r.ClientLimits, tt.client)
			}
			if _, ok := r.HTTP429ByAPI[tt.spec.name]; !ok {
				t.Errorf("no limit answers counted for %s: %v", tt.spec.name, r.HTTP429ByAPI)
			}
			checkDaily(t, tt.spec, r)
		})
	}
}

// runSmall runs the benchmark at 600 leads and checks what every CRM's report shows.
func runSmall(t *testing.T, crmName string) Report {
	t.Helper()
	dir := t.TempDir()
	cpu, mem := filepath.Join(dir, "cpu.pprof"), filepath.Join(dir, "mem.pprof")
	var progress bytes.Buffer
	r, err := Run(t.Context(), Options{CRM: crmName, Leads: 600, LimitScale: 4, MemoryFactor: 2, Child: []string{os.Args[0]},
		Dir: dir, CPUProfile: cpu, MemProfile: mem, Progress: &progress})
	if err != nil {
		t.Fatal(err)
	}
	if r.CRM != crmName {
		t.Errorf("report of %q, want %q", r.CRM, crmName)
	}
	if r.Outcome.RecordsRead != 600 || r.Outcome.RecordsWritten == 0 || r.Outcome.Status != "ok" || r.Outcome.RecordsFailed != 0 {
		t.Errorf("outcome %+v, want 600 read, some written, none failed, ok", r.Outcome)
	}
	// Credits are exact, not timed: what the fake charged is what the written fields needed.
	c := r.Credits
	if c.Spent != c.Needed || r.CreditRatio != 1 {
		t.Errorf("credits spent %d (by endpoint %v), needed %d (search %d, phones %d, companies %d)",
			c.Spent, c.SpentBy, c.Needed, c.NeededSearch, c.NeededPhones, c.NeededCompanies)
	}
	if c.NeededSearch == 0 || c.NeededPhones == 0 || c.NeededCompanies == 0 {
		t.Errorf("the mapping should need searches, phones and companies: %+v", c)
	}
	if r.Outcome.CreditsSpent != c.Spent {
		t.Errorf("the run says it spent %d credits, the fake charged %d", r.Outcome.CreditsSpent, c.Spent)
	}
	checkBound(t, r.Bound)
	if r.LeadsPerSecond <= 0 || r.ThroughputRatio <= 0 || r.ThroughputRatio != r.LeadsPerSecond/r.Bound.LeadsPerSecond {
		t.Errorf("throughput %.1f leads/s, ratio %.3f against %.1f", r.LeadsPerSecond, r.ThroughputRatio, r.Bound.LeadsPerSecond)
	}
	if r.PeakRSSBytes <= 0 || r.ScaledPeakRSSBytes <= 0 || r.ScaledLeads != 1200 || r.MemoryRatio <= 0 {
		t.Errorf("memory %d bytes at N, %d at %d leads, ratio %.3f", r.PeakRSSBytes, r.ScaledPeakRSSBytes, r.ScaledLeads, r.MemoryRatio)
	}
	if r.CPUPerLeadMicros <= 0 || r.ScaledCPUPerLeadMicros <= 0 {
		t.Errorf("cpu per lead %.1f µs, %.1f µs at 2×N", r.CPUPerLeadMicros, r.ScaledCPUPerLeadMicros)
	}
	for _, p := range []string{cpu, mem} {
		if st, err := os.Stat(p); err != nil || st.Size() == 0 {
			t.Errorf("profile %s: %v", p, err)
		}
	}
	checkPrinted(t, r)
	if got := strings.Count(progress.String(), "synced in"); got != 3 {
		t.Errorf("progress shows %d finished syncs, want 3:\n%s", got, progress.String())
	}
	return r
}

// checkDaily: Salesforce's daily allocation is shown beside the bound, never in it;
// HubSpot's daily limit is off.
func checkDaily(t *testing.T, spec *crmSpec, r Report) {
	t.Helper()
	d := r.Bound.Daily
	if spec != &salesforceSpec {
		if d != nil {
			t.Errorf("daily quota %+v for %s, whose daily limit is off", d, spec.name)
		}
		return
	}
	if r.Bound.Binding != "Lusha" {
		t.Errorf("%s binds; with no per-second Salesforce limit only Lusha can", r.Bound.Binding)
	}
	if d == nil || d.Limit != r.Limits.SalesforceCallsPerDay || d.Calls == 0 || d.Share >= 1 || d.LeadsPerDay <= 600 {
		t.Fatalf("daily quota %+v", d)
	}
	api := r.Bound.Stages[0]
	for _, kind := range []string{kindSalesforceQuery, kindSalesforceUpdate, kindSalesforceReadBack} {
		if api.Calls[kind] == 0 {
			t.Errorf("no %s calls counted: %v", kind, api.Calls)
		}
	}
	if _, ok := api.Calls[kindSalesforceToken]; ok {
		t.Errorf("token requests counted against the daily allocation: %v", api.Calls)
	}
	if total := sumCalls(api.Calls); total != d.Calls {
		t.Errorf("the stage counts %d calls, the daily quota %d", total, d.Calls)
	}
}

func sumCalls(calls map[string]int) int {
	n := 0
	for _, c := range calls {
		n += c
	}
	return n
}

func checkBound(t *testing.T, b Bound) {
	t.Helper()
	if b.LeadsPerSecond <= 0 || math.IsInf(b.LeadsPerSecond, 0) || b.Binding == "" {
		t.Fatalf("bound %+v", b)
	}
	for _, s := range b.Stages {
		if s.LeadsPerCall <= 0 {
			t.Errorf("stage %s made no calls", s.Name)
		}
		if s.LeadsPerSecond == 0 {
			if s.Limit != 0 || strings.Contains(b.Formula, s.Formula) {
				t.Errorf("stage %s bounds nothing, yet has a limit or is in the formula %q", s.Name, b.Formula)
			}
			continue
		}
		if s.LeadsPerSecond < b.LeadsPerSecond {
			t.Errorf("stage %s bounds %.1f, below the bound %.1f", s.Name, s.LeadsPerSecond, b.LeadsPerSecond)
		}
		if !strings.Contains(b.Formula, s.Formula) {
			t.Errorf("formula %q lacks stage %s", b.Formula, s.Name)
		}
	}
}

// checkPrinted: the text has one line per figure, the JSON the four ratios.
func checkPrinted(t *testing.T, r Report) {
	t.Helper()
	var text bytes.Buffer
	r.WriteText(&text)
	t.Logf("report:\n%s", text.String())
	for _, want := range []string{"throughput:", "bound:", "min(", "throughput ratio:", "http 429:", "peak memory:", "credits:", "cpu per lead:"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, text.String())
		}
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var obj map[string]any
	if err := json.Unmarshal(b, &obj); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"throughput_ratio", "http_429", "memory_ratio", "credit_ratio"} {
		if _, ok := obj[key].(float64); !ok {
			t.Errorf("JSON lacks the number %s: %s", key, b)
		}
	}
}

func TestOptions(t *testing.T) {
	child := []string{os.Args[0]}
	tests := []struct {
		name    string
		opts    Options
		wantErr string
		notYet  bool
	}{
		{"salesforce", Options{CRM: "salesforce", Child: child}, "", false},
		{"unknown CRM", Options{CRM: "pipedrive", Child: child}, "unknown CRM", false},
		{"negative leads", Options{Leads: -5, Child: child}, "at least 1", false},
		{"memory factor 1 compares nothing", Options{MemoryFactor: 1, Child: child}, "memory factor", false},
		{"no child", Options{}, "Child is empty", false},
		{"defaults", Options{Child: child}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.opts.withDefaults().check()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want one saying %q", err, tt.wantErr)
			}
			if errors.Is(err, ErrNotAvailable) != tt.notYet {
				t.Errorf("errors.Is(err, ErrNotAvailable) = %v", !tt.notYet)
			}
		})
	}
}

func TestComputeBound(t *testing.T) {
	client, fake := DefaultClientLimits, DocumentedLimits
	tests := []struct {
		name        string
		leads       int
		hub, lusha  map[string]int
		wantBound   float64
		wantBinding string
	}{
		{"Lusha binds at 3 calls per 100 leads", 1000,
			map[string]int{kindHubSpotSearch: 4, kindHubSpotWrite: 10},
			map[string]int{"contacts/search": 10, "contacts/enrich": 10, "companies/enrich": 10},
			25 * 100.0 / 3, "Lusha"},
		{"writes bind when batches are small", 1000,
			map[string]int{kindHubSpotSearch: 4, kindHubSpotWrite: 40, kindHubSpotOther: 10},
			map[string]int{"contacts/search": 10},
			9.5 * 1000.0 / 50, "HubSpot other calls"}, // 100/10s paced as a bucket of 5 + 9.5/s
		{"search binds with small pages", 1000,
			map[string]int{kindHubSpotSearch: 100, kindHubSpotWrite: 10},
			map[string]int{"contacts/search": 10},
			4 * 10.0, "HubSpot search"}, // paced at 4/s, under the fake's 5/s
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := computeBound(tt.leads, &hubspotSpec, client, fake, Traffic{Calls: tt.hub}, Traffic{Calls: tt.lusha}, 10*time.Second)
			if math.Abs(b.LeadsPerSecond-tt.wantBound) > 1e-9 || b.Binding != tt.wantBinding {
				t.Errorf("bound %.3f by %s, want %.3f by %s\n%s", b.LeadsPerSecond, b.Binding, tt.wantBound, tt.wantBinding, b.Formula)
			}
			checkBound(t, b)
		})
	}
	t.Run("utilisation", func(t *testing.T) {
		// 50 Lusha calls in 10 s against 25/s: a fifth of what the limit allows.
		b := computeBound(1000, &hubspotSpec, client, fake, Traffic{Calls: map[string]int{kindHubSpotSearch: 5}},
			Traffic{Calls: map[string]int{"contacts/search": 50}}, 10*time.Second)
		if u := b.Stages[2].Utilisation; math.Abs(u-0.2) > 1e-9 {
			t.Errorf("Lusha utilisation %.3f, want 0.2", u)
		}
	})
	t.Run("Salesforce: only Lusha binds, the daily allocation is beside the bound", func(t *testing.T) {
		sf := Traffic{Calls: map[string]int{kindSalesforceToken: 1, kindSalesforceQuery: 2, kindSalesforceMore: 4,
			kindSalesforceUpdate: 5, kindSalesforceReadBack: 5, kindSalesforceOther: 1}}
		b := computeBound(1000, &salesforceSpec, SalesforceClientLimits, SalesforceDocumentedLimits, sf,
			Traffic{Calls: map[string]int{"contacts/search": 10, "contacts/enrich": 10, "companies/enrich": 5}}, 10*time.Second)
		if want := 25 * 1000.0 / 25; math.Abs(b.LeadsPerSecond-want) > 1e-9 || b.Binding != "Lusha" {
			t.Errorf("bound %.3f by %s, want %.3f by Lusha\n%s", b.LeadsPerSecond, b.Binding, want, b.Formula)
		}
		if api := b.Stages[0]; api.LeadsPerSecond != 0 || api.LeadsPerCall != 1000.0/17 || strings.Contains(b.Formula, api.Name) {
			t.Errorf("Salesforce stage %+v bounds something, or miscounts its 17 data calls", api)
		}
		d := b.Daily
		if d == nil || d.Calls != 17 || d.Limit != 100_000 || math.Abs(d.LeadsPerDay-100_000*1000.0/17) > 1e-6 ||
			math.Abs(d.LeadsPerSecond-d.LeadsPerDay/86400) > 1e-9 || d.Share != 17.0/100_000 {
			t.Errorf("daily %+v", d)
		}
		checkBound(t, b)
	})
	t.Run("limits off bound nothing", func(t *testing.T) {
		b := computeBound(1000, &hubspotSpec, clientLimitsOff, Limits{}, Traffic{Calls: map[string]int{kindHubSpotSearch: 5}},
			Traffic{Calls: map[string]int{"contacts/search": 10}}, time.Second)
		if b.LeadsPerSecond != 0 || b.Binding != "" {
			t.Errorf("bound %.1f by %q with no limits", b.LeadsPerSecond, b.Binding)
		}
	})
}

func TestClientLimits(t *testing.T) {
	tests := []struct {
		name      string
		client    ClientLimits
		fake      Limits
		wantOther float64 // sustained calls per second besides searches
		wantErr   string
	}{
		{"defaults fit the documented limits", DefaultClientLimits, DocumentedLimits, 9.5, ""},
		{"scaled together they still fit", DefaultClientLimits.Scaled(4), DocumentedLimits.Scaled(4), 38, ""},
		{"a professional burst", ClientLimits{HubSpotSearchPerSecond: 4, HubSpotCallsPer10s: 190, LushaPerSecond: 25},
			Limits{HubSpotSearchPerSecond: 5, HubSpotCallsPer10s: 190, LushaPerSecond: 25}, 18.1, ""},
		{"off fits no limits", clientLimitsOff, Limits{}, 0, ""},
		{"search above the fake", ClientLimits{HubSpotSearchPerSecond: 5.5, HubSpotCallsPer10s: 100, LushaPerSecond: 25},
			DocumentedLimits, 9.5, "HubSpot search paced at 5.5/s"},
		{"search pacing off against a limit", ClientLimits{HubSpotSearchPerSecond: -1, HubSpotCallsPer10s: 100, LushaPerSecond: 25},
			DocumentedLimits, 9.5, "HubSpot search paced at -1/s"},
		{"burst above the fake", ClientLimits{HubSpotSearchPerSecond: 4, HubSpotCallsPer10s: 110, LushaPerSecond: 25},
			DocumentedLimits, 10.5, "110/10s"},
		{"Lusha above the fake", ClientLimits{HubSpotSearchPerSecond: 4, HubSpotCallsPer10s: 100, LushaPerSecond: 30},
			DocumentedLimits, 9.5, "Lusha paced at 30/s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.client.otherCallsPerSecond(); math.Abs(got-tt.wantOther) > 1e-9 {
				t.Errorf("other calls %.3f/s, want %.3f/s", got, tt.wantOther)
			}
			err := tt.client.check(tt.fake)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("check: %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestParseVmHWM(t *testing.T) {
	tests := []struct {
		status string
		want   int64
	}{
		{"Name:\tleadsync\nVmPeak:\t 900 kB\nVmHWM:\t   51000 kB\nVmRSS:\t 40000 kB\n", 51000 * 1024},
		{"Name:\tleadsync\nVmRSS:\t 40000 kB\n", 0}, // no high-water line: unknown
		{"VmHWM:\tlots kB\n", 0},
	}
	for _, tt := range tests {
		if got := parseVmHWM(strings.NewReader(tt.status)); got != tt.want {
			t.Errorf("parseVmHWM(%q) = %d, want %d", tt.status, got, tt.want)
		}
	}
}
