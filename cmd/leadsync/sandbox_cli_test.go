package main

import (
	"bytes"
	"context"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer written by several goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestSandboxSignalsIsDaemonOnly(t *testing.T) {
	for _, mode := range []string{"--once", "--serve"} {
		code, _, stderr := runCLI(t, "sandbox", "--signals", mode)
		if code != exitUsage || !strings.Contains(stderr, "--signals runs the daemon") {
			t.Errorf("sandbox --signals %s: exit %d, stderr %q; want a usage error", mode, code, stderr)
		}
	}
}

var (
	roundLine = regexp.MustCompile(`round 1: (\d+) people changed jobs or were promoted; signals: (\d+) sent, (\d+) received, ` +
		`(\d+) applied; (\d+) records refreshed, (\d+) credits spent on them`)
	lastLine = regexp.MustCompile(`(?m)^leadsync sandbox: signals: (\d+) sent, (\d+) received, (\d+) applied; ` +
		`(\d+) records refreshed, (\d+) credits spent on them$`)
)

// TestSandboxSignals: `leadsync sandbox --signals` runs the first run, the daemon,
// then a round of signals, prints its summary line, and a last summary at Ctrl-C.
func TestSandboxSignals(t *testing.T) {
	var stdout, stderr lockedBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"sandbox", "--signals", "--leads", "40", "--http", "127.0.0.1:0", "--log-level", "warn"},
			shippedSecrets, &stdout, &stderr)
	}()
	deadline := time.Now().Add(2 * time.Minute)
	var round []string
	for round == nil {
		select {
		case code := <-done:
			t.Fatalf("exit %d before a round of signals\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no round of signals\nstdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
		}
		round = roundLine.FindStringSubmatch(stdout.String())
	}
	n := func(s string) int { v, _ := strconv.Atoi(s); return v }
	people := n(round[1])
	if people == 0 || n(round[2]) != people || n(round[3]) != people || n(round[4]) != people || n(round[5]) < people {
		t.Errorf("round line %q: want every signal sent, received and applied, a record or more refreshed each", round[0])
	}
	cancel()
	if code := <-done; code != exitOK {
		t.Errorf("exit %d at Ctrl-C; stderr:\n%s", code, stderr.String())
	}
	last := lastLine.FindStringSubmatch(stdout.String())
	if last == nil || n(last[1]) < people || n(last[3]) < people {
		t.Errorf("no last summary after Ctrl-C, or one short of the round's:\n%s", stdout.String())
	}
}
