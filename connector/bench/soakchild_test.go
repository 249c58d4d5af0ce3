package bench

import (
	"context"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// TestSoakChild runs a short soak with the daemon in a child (this test binary, made
// the child by TestMain): the samples come from the child's /proc entry and /metrics,
// its log counts and final figures from its last line, and nothing is left behind
// here. The leak assertions stay with TestSoak, whose goleak sees the daemon's
// goroutines; a child's would be invisible to it.
func TestSoakChild(t *testing.T) {
	if testing.Short() {
		t.Skip("40 ticks of a daemon in a child process")
	}
	rep, err := Soak(context.Background(), SoakOptions{Ticks: 40, Tick: 100 * time.Millisecond, Leads: 40,
		NewPerTick: 1, Dir: t.TempDir(), Child: []string{os.Args[0]}})
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	rep.WriteText(&text)
	t.Log("\n" + text.String())
	if rep.Mode != "child" || len(rep.Samples) != 40 {
		t.Fatalf("mode %q, %d samples; want child, 40", rep.Mode, len(rep.Samples))
	}
	if rep.FinishedRuns() == 0 || rep.LogLines["INFO"] == 0 {
		t.Errorf("the child reported %v runs and %v log lines: its result was not read", rep.Runs, rep.LogLines)
	}
	for _, s := range rep.Samples {
		if s.Goroutines == 0 || s.HeapLive == 0 || s.GoHeld == 0 || s.HeapFakes == 0 {
			t.Fatalf("tick %d: the child's /metrics or this process's heap unread: %+v", s.Tick, s)
		}
		if runtime.GOOS == "linux" && (s.RSS == 0 || s.FDs == 0) {
			t.Fatalf("tick %d: the child's /proc entry unread: %+v", s.Tick, s)
		}
	}
	if rep.Final.Goroutines == 0 || rep.Final.StateBytes == 0 {
		t.Errorf("the child's final sample is empty: %+v", rep.Final)
	}
	if r, _ := rep.Figure("run_rows"); r.Max == 0 {
		t.Error("the state's runs were never counted")
	}
	goleak.VerifyNone(t)
}

func TestParseGoMetrics(t *testing.T) {
	text := `# HELP go_goroutines Number of goroutines that currently exist.
# TYPE go_goroutines gauge
go_goroutines 31
go_gc_duration_seconds{quantile="0.5"} 4.1e-05
go_memstats_heap_inuse_bytes 6.094848e+06
leadsync_runs_total{pipeline="a",status="ok"} 3
`
	m, err := parseGoMetrics(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	if m["go_goroutines"] != 31 || m["go_memstats_heap_inuse_bytes"] != 6094848 || len(m) != 2 {
		t.Errorf("parsed %v", m)
	}
	if _, err := parseGoMetrics(strings.NewReader("go_threads 8\n")); err == nil {
		t.Error("no error without go_goroutines")
	}
	if _, err := parseGoMetrics(strings.NewReader("go_goroutines many\n")); err == nil {
		t.Error("no error on a value that is no number")
	}
}
