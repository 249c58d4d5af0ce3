package bench

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// TestSoak runs the daemon for 300 ticks of 100 ms (four pipelines, 5 % chaos, new
// records every tick and as many deleted) and asserts no leak by counts: goroutines and descriptors in
// the last quarter stay at their level of the second quarter, and nothing is left
// behind at the end. Nothing here depends on speed: a slow machine runs fewer runs,
// and the counts are compared with each other. The daemon runs in this process, as
// SoakOptions.Child left nil runs it: goleak then sees its goroutines at the end,
// which it could not in a child (TestSoakChild covers that mode).
func TestSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("the soak takes about 30 s")
	}
	rep, err := Soak(context.Background(), SoakOptions{Ticks: 300, Tick: 100 * time.Millisecond, Leads: 40,
		NewPerTick: 1, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	rep.WriteText(&text)
	t.Log("\n" + text.String())
	if len(rep.Samples) != 300 {
		t.Fatalf("%d samples, want 300", len(rep.Samples))
	}
	if n := rep.FinishedRuns(); n < 8 {
		t.Fatalf("only %d runs finished in 300 ticks: the soak did not exercise the daemon", n)
	}
	if rep.RecordsWritten == 0 {
		t.Error("no record written: the soak did not exercise the pipelines")
	}
	// Slack: a handful of runs in flight at the sampled moment hold a few goroutines
	// and connections each; a leak of one per run would add hundreds by the end.
	const goroutineSlack, fdSlack = 12, 8
	if g, _ := rep.Figure("goroutines"); g.Q4Median > g.Q2Median+goroutineSlack {
		t.Errorf("goroutines grew: median %v in the second quarter, %v in the last", g.Q2Median, g.Q4Median)
	}
	if runtime.GOOS == "linux" {
		f, _ := rep.Figure("fds")
		if f.Q2Median == 0 {
			t.Error("no descriptor counted on linux")
		}
		if f.Q4Median > f.Q2Median+fdSlack {
			t.Errorf("descriptors grew: median %v in the second quarter, %v in the last", f.Q2Median, f.Q4Median)
		}
		if r, _ := rep.Figure("rss"); r.Q2Median == 0 {
			t.Error("no RSS read on linux")
		}
	}
	if s, _ := rep.Figure("state"); s.Max == 0 {
		t.Error("the state file's size was never read")
	}
	assertHistoryBounded(t, rep)
	assertRecordsLevel(t, rep)
	http.DefaultClient.CloseIdleConnections()
	goleak.VerifyNone(t)
}

// assertHistoryBounded: the soak's retention windows (a tenth of it) are full well
// before its second quarter, so from there on the history they bound stays at its
// level: the runs kept, and the ledger rows kept beside the latest of each field.
// What the CRM records add (a record row and a ledger row per field) stays level
// too, as the soak deletes as many as arrive (assertRecordsLevel).
func assertHistoryBounded(t *testing.T, rep SoakReport) {
	t.Helper()
	runs, _ := rep.Figure("run_rows")
	if runs.Max == 0 {
		t.Fatal("the state's runs were never counted")
	}
	if finished := float64(rep.FinishedRuns()); runs.Max >= finished {
		t.Errorf("at most %v runs kept of %v finished: nothing was pruned", runs.Max, finished)
	}
	// A slower machine keeps fewer runs in the window, a faster one more, the same in
	// both quarters; without pruning every run of the quarters between would stay.
	const runSlack, ledgerSlack = 8, 50
	if runs.Q4Median > runs.Q2Median+runSlack {
		t.Errorf("runs kept grew: median %v in the second quarter, %v in the last", runs.Q2Median, runs.Q4Median)
	}
	ledger, _ := rep.Figure("ledger_history")
	if ledger.Q4Median > ledger.Q2Median+ledgerSlack {
		t.Errorf("superseded ledger rows grew: median %v in the second quarter, %v in the last", ledger.Q2Median,
			ledger.Q4Median)
	}
}

// assertRecordsLevel: as many CRM records are deleted as arrive, so once the
// deletion passes drop their states (and, after keep_ledger, their ledger rows), the
// state holds as many records in the last quarter as in the second. Without the
// passes the records would grow by one per tick per CRM, 300 between the medians,
// and the ledger's latest rows by a few per record.
func assertRecordsLevel(t *testing.T, rep SoakReport) {
	t.Helper()
	const recordSlack, ledgerSlack = 30, 150
	records, _ := rep.Figure("record_rows")
	if records.Max == 0 {
		t.Fatal("the state's records were never counted")
	}
	if records.Q4Median > records.Q2Median+recordSlack {
		t.Errorf("records grew while the CRMs kept their size: median %v in the second quarter, %v in the last",
			records.Q2Median, records.Q4Median)
	}
	ledger, _ := rep.Figure("ledger_rows")
	if ledger.Q4Median > ledger.Q2Median+ledgerSlack {
		t.Errorf("ledger rows grew while the CRMs kept their size: median %v in the second quarter, %v in the last",
			ledger.Q2Median, ledger.Q4Median)
	}
}

// TestQuietLogs: at info level the daemon logs a bounded number of lines per run and
// none per record. Ten new records arrive in each CRM every tick, so a line per
// record would put every run far above the bound.
func TestQuietLogs(t *testing.T) {
	if testing.Short() {
		t.Skip("100 ticks of the daemon")
	}
	var out strings.Builder
	log := slog.New(slog.NewTextHandler(&lockedWriter{w: &out}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	rep, err := Soak(context.Background(), SoakOptions{Ticks: 100, Tick: 100 * time.Millisecond, Leads: 40,
		NewPerTick: 10, Dir: t.TempDir(), Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	runs := rep.FinishedRuns()
	t.Logf("%d runs, %d records read; lines by message: %v", runs, rep.RecordsRead, rep.LogMessages)
	if runs < 4 || rep.RecordsRead < 100 {
		t.Fatalf("%d runs read %d records in 100 ticks: too little to judge the logs", runs, rep.RecordsRead)
	}
	lines := rep.LogLines["INFO"] + rep.LogLines["WARN"] + rep.LogLines["ERROR"]
	if got := strings.Count(out.String(), "\n"); got != lines {
		t.Errorf("the counting handler saw %d lines, the text handler wrote %d", lines, got)
	}
	// Per run: "run finished", and with chaos a warning or two (a read retried, a run
	// ended early, a breaker changing state). Plus the daemon's start, its first runs
	// and its shutdown.
	const perRun, fixed = 4, 8
	if lines > perRun*runs+fixed {
		t.Errorf("%d lines at info and above for %d runs (%.1f a run, at most %d): %v\n%s", lines, runs,
			float64(lines)/float64(runs), perRun, rep.LogMessages, lastLines(out.String(), 40))
	}
	// No message may come more often than twice per run: one per record or per page
	// would, with a hundred records a run.
	for msg, n := range rep.LogMessages {
		if n > 2*runs+fixed {
			t.Errorf("%q logged %d times in %d runs", msg, n, runs)
		}
	}
}

// lockedWriter serializes the text handler's writes into a strings.Builder.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

func TestParseVmRSS(t *testing.T) {
	status := "Name:\tleadsync\nVmPeak:\t  200 kB\nVmRSS:\t   51234 kB\nThreads:\t9\n"
	if got := parseVmRSS(status); got != 51234*1024 {
		t.Errorf("parseVmRSS = %d", got)
	}
	if got := parseVmRSS("Name:\tx\n"); got != 0 {
		t.Errorf("parseVmRSS without VmRSS = %d", got)
	}
	if _, err := os.Stat("/proc/self/status"); err == nil && procRSS("/proc/self") == 0 {
		t.Error("procRSS read nothing from /proc/self/status")
	}
}

func TestSoakFigures(t *testing.T) {
	var samples []Sample
	for i := range 8 {
		samples = append(samples, Sample{Tick: i + 1, Goroutines: 10 + i, FDs: 20})
	}
	rep := SoakReport{Figures: soakFigures(samples)}
	g, _ := rep.Figure("goroutines")
	// second quarter: ticks 3-4 (12, 13); last: 7-8 (16, 17)
	if g.Name != "goroutines" || g.Q2Median != 12.5 || g.Q4Median != 16.5 || g.First != 10 || g.Max != 17 {
		t.Errorf("goroutines figure %+v", g)
	}
	if f, _ := rep.Figure("fds"); f.Ratio != 1 {
		t.Errorf("flat fds ratio %v", f.Ratio)
	}
}
