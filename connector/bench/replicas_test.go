package bench

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/leadsync/leadsync/state"
	"github.com/leadsync/leadsync/state/pgtest"
)

// TestReplicas: two replicas of the real binary on one fresh PostgreSQL database sync
// four pipelines over two portals to the end, and so does one process on SQLite. By
// counts only: every lead read, none failed, every run ok, no 429 from any fake,
// credits spent = credits needed, every run counted to a replica, the database gone.
func TestReplicas(t *testing.T) {
	server := pgtest.URL(t)
	bin := filepath.Join(t.TempDir(), "leadsync")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/leadsync/leadsync/cmd/leadsync").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	before := benchDatabases(t, server)
	var progress bytes.Buffer
	const leads, pipelines, portals = 400, 4, 2
	r, err := RunReplicas(t.Context(), ReplicaOptions{Replicas: 2, Pipelines: pipelines, Portals: portals, Leads: leads,
		LimitScale: 4, Postgres: server, Baseline: true, Leadsync: []string{bin}, Dir: t.TempDir(), Progress: &progress})
	if err != nil {
		t.Fatalf("%v\n%s", err, progress.String())
	}
	if r.Baseline == nil {
		t.Fatal("no SQLite baseline although asked for")
	}
	for _, tt := range []struct {
		m        Measurement
		backend  string
		replicas int
	}{{r.Cluster, backendPostgres, 2}, {*r.Baseline, backendSQLite, 1}} {
		t.Run(tt.backend, func(t *testing.T) {
			m := tt.m
			if m.Backend != tt.backend || m.Replicas != tt.replicas || m.Pipelines != pipelines || m.Portals != portals {
				t.Errorf("measured %s × %d, %d pipelines over %d portals; want %s × %d, %d over %d", m.Backend, m.Replicas,
					m.Pipelines, m.Portals, tt.backend, tt.replicas, pipelines, portals)
			}
			checkMeasurement(t, m, leads, tt.replicas)
		})
	}
	var text bytes.Buffer
	r.WriteText(&text)
	t.Logf("%s\n%s", progress.String(), text.String())
	for _, want := range []string{"== 2 × leadsync run on postgresql", "== 1 × leadsync run on sqlite", "runs by replica:",
		"portal-2 search", "http 429:         0 (", "ratio 1.000"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("the report lacks %q:\n%s", want, text.String())
		}
	}
	if left := benchDatabases(t, server); left > before {
		t.Errorf("%d benchmark databases on the server, %d before: the measurement left its own", left, before)
	}
}

// checkMeasurement checks what every measurement of leads shows, by counts.
func checkMeasurement(t *testing.T, m Measurement, leads, replicas int) {
	t.Helper()
	o := m.Outcome
	if o.RecordsRead != leads || o.RecordsWritten == 0 || o.RecordsFailed != 0 || o.Status != "ok" {
		t.Errorf("outcome %+v, want %d read, some written, none failed, every run ok", o, leads)
	}
	if o.Runs < m.Pipelines {
		t.Errorf("%d runs for %d pipelines", o.Runs, m.Pipelines)
	}
	if m.HTTP429 != 0 || len(m.HTTP429ByAPI) != m.Portals+1 {
		t.Errorf("limit answers %d (%v), want 0 from each of %d portals and Lusha", m.HTTP429, m.HTTP429ByAPI, m.Portals)
	}
	c := m.Credits
	if c.Spent != c.Needed || m.CreditRatio != 1 || o.CreditsSpent != c.Spent || c.BoughtTwice != 0 {
		t.Errorf("credits spent %d (by endpoint %v; the runs say %d; %d bought twice), needed %d (search %d, phones %d, companies %d)",
			c.Spent, c.SpentBy, o.CreditsSpent, c.BoughtTwice, c.Needed, c.NeededSearch, c.NeededPhones, c.NeededCompanies)
	}
	if c.NeededSearch == 0 || c.NeededPhones == 0 || c.NeededCompanies == 0 {
		t.Errorf("the mapping should need searches, phones and companies: %+v", c)
	}
	total := 0
	for _, n := range m.RunsByReplica {
		total += n
	}
	if total != o.Runs || len(m.RunsByReplica) == 0 || len(m.RunsByReplica) > replicas {
		t.Errorf("runs by replica %v: want all %d runs on at most %d replicas", m.RunsByReplica, o.Runs, replicas)
	}
	if len(m.Runs) != o.Runs || m.ReplicaCPUSeconds <= 0 || m.MachineBusy < 0 || m.MachineBusy > 1 {
		t.Errorf("%d runs timed of %d; replica CPU %.2f s; machine busy %.2f", len(m.Runs), o.Runs, m.ReplicaCPUSeconds, m.MachineBusy)
	}
	// 2 stages per portal and Lusha's, each with calls; the bound is the slowest.
	if len(m.Bound.Stages) != 2*m.Portals+1 || m.Bound.LeadsPerSecond <= 0 || m.ThroughputRatio <= 0 {
		t.Errorf("bound %+v, ratio %.3f", m.Bound, m.ThroughputRatio)
	}
	for _, s := range m.Bound.Stages {
		if s.LeadsPerCall <= 0 || s.LeadsPerSecond < m.Bound.LeadsPerSecond {
			t.Errorf("stage %s: %.1f leads/call, bound %.1f below the bound %.1f", s.Name, s.LeadsPerCall,
				s.LeadsPerSecond, m.Bound.LeadsPerSecond)
		}
	}
}

// benchDatabases counts the benchmark's databases on the server.
func benchDatabases(t *testing.T, server string) int {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), server)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.WithoutCancel(t.Context()))
	var n int
	if err := conn.QueryRow(t.Context(), `SELECT count(*) FROM pg_database WHERE datname LIKE 'bench\_%'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestReplicasProgress: the measurement ends when every pipeline ran, no run is going
// and the runs read every lead; it stalls when they ended short of the leads.
func TestReplicasProgress(t *testing.T) {
	at := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	run := func(p string, read int, finished bool, status string) state.Run {
		r := state.Run{Pipeline: p, Status: status, StartedAt: at, Counts: state.RunCounts{RecordsRead: read}}
		if finished {
			r.FinishedAt = at.Add(time.Second)
		}
		return r
	}
	tests := []struct {
		name          string
		runs          []state.Run
		done, stalled bool
	}{
		{"nothing ran", nil, false, false},
		{"one pipeline ran", []state.Run{run("a", 10, true, "ok")}, false, false},
		{"one still going", []state.Run{run("a", 10, true, "ok"), run("b", 0, false, "running")}, false, false},
		{"all read", []state.Run{run("a", 10, true, "ok"), run("b", 10, true, "ok")}, true, false},
		{"read over two runs", []state.Run{run("a", 4, true, "partial"), run("a", 6, true, "ok"), run("b", 10, true, "ok")}, true, false},
		{"short of the leads", []state.Run{run("a", 10, true, "ok"), run("b", 3, true, "upstream_unavailable")}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := progressOf(tt.runs, 2, 20)
			if p.done != tt.done || p.stalled != tt.stalled {
				t.Errorf("done %v, stalled %v; want %v, %v (%+v)", p.done, p.stalled, tt.done, tt.stalled, p)
			}
		})
	}
}

// TestReplicasCPUStat: the machine's busy share comes from /proc/stat's cpu line, idle
// and iowait being idle.
func TestReplicasCPUStat(t *testing.T) {
	read := func(s string) cpuTimes { return parseProcStat(strings.NewReader(s)) }
	before := read("cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 50 0 25 400 25 0 0 0 0 0\n")
	after := read("cpu  250 0 100 900 50 0 0 0 0 0\n")
	if before != (cpuTimes{busy: 150, total: 1000}) || after != (cpuTimes{busy: 350, total: 1300}) {
		t.Fatalf("parsed %+v and %+v", before, after)
	}
	if got := before.busyShare(after); got != 200.0/300 {
		t.Errorf("busy share %v, want 2/3", got)
	}
	if got := read("intr 1 2 3\n"); got != (cpuTimes{}) {
		t.Errorf("no cpu line gave %+v", got)
	}
	if got := after.busyShare(before); got != 0 {
		t.Errorf("busy share backwards %v, want 0 (unknown)", got)
	}
}
