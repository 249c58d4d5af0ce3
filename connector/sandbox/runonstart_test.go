package sandbox_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/leadsync/leadsync/connector"
)

// onStartDaemon runs a daemon on a sandbox of n leads whose config was edited by
// the old → new pairs in edits; stop ends it and returns once every run ended.
func onStartDaemon(t *testing.T, n int, edits ...string) (eng *connector.Engine, stop func()) {
	t.Helper()
	sb := startFakes(t, n)
	b, err := os.ReadFile(sb.Config)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	for i := 0; i+1 < len(edits); i += 2 {
		if !strings.Contains(text, edits[i]) {
			t.Fatalf("the sandbox config has no %q to edit", edits[i])
		}
		text = strings.ReplaceAll(text, edits[i], edits[i+1])
	}
	if err := os.WriteFile(sb.Config, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	eng = build(t, sb, sb.Environ("127.0.0.1:0"))
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	d := &connector.Daemon{Engine: eng, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Ready: func(addr string) { ready <- addr }}
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	select {
	case <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("the daemon did not start: %v", err)
	}
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
		http.DefaultClient.CloseIdleConnections()
	}
	t.Cleanup(stop)
	return eng, stop
}

// finishedBy counts the finished runs of each pipeline.
func finishedBy(t *testing.T, eng *connector.Engine) map[string]int {
	t.Helper()
	runs, err := eng.Store.Runs(context.Background(), "", 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, r := range runs {
		if !r.FinishedAt.IsZero() {
			out[r.Pipeline]++
		}
	}
	return out
}

// waitUntil polls cond; the deadline only bounds a broken test (the schedule is an
// hour away, so a run that waited for it would never come).
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestFirstRunAtStart (issue 17, "First run at once"): with run_on_start on by default,
// every pipeline of the sandbox runs as soon as the daemon starts, although its
// schedule is an hour away.
func TestFirstRunAtStart(t *testing.T) {
	eng, _ := onStartDaemon(t, 40, `"@every 30s"`, `"@every 1h"`)
	waitUntil(t, "a first run of every pipeline", func() bool {
		got := finishedBy(t, eng)
		for _, p := range eng.Pipelines {
			if got[p.Name] == 0 {
				return false
			}
		}
		return true
	})
}

// TestRunOnStartOffWaitsForTheSchedule: with the top-level run_on_start off, pipelines
// wait for their schedule; one pipeline that sets run_on_start itself still runs at
// start. Runs at start are begun before the daemon is ready and a shutdown waits for
// every run begun, so once the daemon has stopped, the store holds every run it began.
func TestRunOnStartOffWaitsForTheSchedule(t *testing.T) {
	eng, stop := onStartDaemon(t, 40, `"@every 30s"`, `"@every 1h"`,
		"shutdown_grace: 10s\n", "shutdown_grace: 10s\nrun_on_start: false\n",
		"  - name: hubspot-contacts\n", "  - name: hubspot-contacts\n    run_on_start: true\n")
	waitUntil(t, "the run at start of hubspot-contacts", func() bool { return finishedBy(t, eng)["hubspot-contacts"] > 0 })
	stop()
	got := finishedBy(t, eng)
	for _, p := range eng.Pipelines {
		if p.Name != "hubspot-contacts" && got[p.Name] != 0 {
			t.Errorf("pipeline %s ran %d times before its schedule although run_on_start is off", p.Name, got[p.Name])
		}
	}
	if len(eng.Pipelines) < 2 {
		t.Fatal("the sandbox has one pipeline: the test proves nothing")
	}
	if !eng.Config.RunsOnStart("hubspot-contacts") || eng.Config.RunsOnStart("salesforce-leads") {
		t.Fatal("the config edits did not take: the test proves nothing")
	}
}
