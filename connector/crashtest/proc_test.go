package crashtest

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/leadsync/leadsync/connector"
)

var (
	binDir   string
	binOnce  sync.Once
	binPath  string
	binError error
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "leadsync-crashtest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// leadsyncBinary builds the real binary once per test process.
func leadsyncBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		binPath = filepath.Join(binDir, "leadsync")
		out, err := exec.Command("go", "build", "-o", binPath, "github.com/leadsync/leadsync/cmd/leadsync").CombinedOutput()
		if err != nil {
			binError = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binError != nil {
		t.Fatal(binError)
	}
	return binPath
}

// child is one leadsync process.
type child struct {
	cmd            *exec.Cmd
	stdout, stderr *syncBuffer
}

// outcome is how a child ended.
type outcome struct {
	Code      int
	Killed    bool // by SIGKILL
	Stdout    string
	Stderr    string
	Summaries []connector.Summary
}

// syncBuffer is a bytes.Buffer that the child's output copier and the test may share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// start runs leadsync with args in the fixture's folder. The child's environment holds
// only the two secrets: nothing of the test process leaks in.
func (f *fixture) start(t *testing.T, args ...string) *child {
	t.Helper()
	return startChild(t, f.dir, f.secretEnv, args...)
}

// startChild runs leadsync with args in dir, with HOME=dir and env as its whole
// environment.
func startChild(t *testing.T, dir string, env []string, args ...string) *child {
	t.Helper()
	cmd := exec.Command(leadsyncBinary(t), args...)
	cmd.Dir = dir
	cmd.Env = append([]string{"HOME=" + dir}, env...)
	c := &child{cmd: cmd, stdout: &syncBuffer{}, stderr: &syncBuffer{}}
	cmd.Stdout, cmd.Stderr = c.stdout, c.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return c
}

// sync runs `leadsync sync -c cfg --json` to its end.
func (f *fixture) sync(t *testing.T) outcome {
	t.Helper()
	return f.start(t, "sync", "-c", f.cfgPath, "--json").wait(t, 0)
}

// wait waits for the child; after killAfter (when > 0) it sends SIGKILL first.
func (c *child) wait(t *testing.T, killAfter time.Duration) outcome {
	t.Helper()
	if killAfter > 0 {
		timer := time.AfterFunc(killAfter, func() { _ = c.cmd.Process.Signal(syscall.SIGKILL) })
		defer timer.Stop()
	}
	err := c.cmd.Wait()
	return c.outcome(t, err)
}

// waitAtMost waits up to limit for the child to end by itself, then kills it; ok is
// false when it had to be killed.
func (c *child) waitAtMost(t *testing.T, limit time.Duration) (out outcome, ok bool) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- c.cmd.Wait() }()
	select {
	case err := <-done:
		return c.outcome(t, err), true
	case <-time.After(limit):
		_ = c.cmd.Process.Kill()
		return c.outcome(t, <-done), false
	}
}

func (c *child) signal(t *testing.T, sig os.Signal) {
	t.Helper()
	if err := c.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
}

func (c *child) outcome(t *testing.T, waitErr error) outcome {
	t.Helper()
	out := outcome{Stdout: c.stdout.String(), Stderr: c.stderr.String()}
	var exit *exec.ExitError
	if waitErr != nil && !errors.As(waitErr, &exit) {
		t.Fatal(waitErr)
	}
	ws := c.cmd.ProcessState.Sys().(syscall.WaitStatus)
	out.Killed = ws.Signaled() && ws.Signal() == syscall.SIGKILL
	out.Code = c.cmd.ProcessState.ExitCode()
	if out.Killed {
		return out // a killed child may have printed half a line
	}
	sc := bufio.NewScanner(strings.NewReader(out.Stdout))
	for sc.Scan() {
		var s connector.Summary
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			t.Fatalf("leadsync printed a line that is not a JSON summary: %q: %v", sc.Text(), err)
		}
		out.Summaries = append(out.Summaries, s)
	}
	return out
}

// summary is the one pipeline's summary of a finished sync.
func (o outcome) summary(t *testing.T) connector.Summary {
	t.Helper()
	if o.Code != 0 || len(o.Summaries) != 1 {
		t.Fatalf("leadsync sync exited %d with %d summaries; stderr:\n%s", o.Code, len(o.Summaries), tail(o.Stderr))
	}
	return o.Summaries[0]
}

func tail(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-10):], "\n")
}

// expireLease stands in for the passage of the lease TTL (lease_ttl, 2 minutes by
// default) after a SIGKILL: the dead holder's lease row is made expired, as it would
// be that much later. TestCrashedHolderFreesItsLeaseAtOnce waits out a lease's own
// expiry.
func (f *fixture) expireLease(t *testing.T) {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+f.dbPath+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(context.Background(), `UPDATE leases SET expires_at = 0`); err != nil &&
		!strings.Contains(err.Error(), "no such table") {
		t.Fatal(err)
	}
}

// syncUntilQuiet runs syncs to their end until one reads nothing new; it returns the
// last summary and how many syncs ran.
func (f *fixture) syncUntilQuiet(t *testing.T, maxRuns int) (connector.Summary, int) {
	t.Helper()
	for i := 1; i <= maxRuns; i++ {
		sum := f.sync(t).summary(t)
		if sum.Status == connector.RunOK && sum.RecordsRead == 0 {
			return sum, i
		}
	}
	t.Fatalf("after %d syncs leadsync still had records to read", maxRuns)
	return connector.Summary{}, 0
}
