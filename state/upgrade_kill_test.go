//go:build cgo

package state_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/leadsync/leadsync/state"
)

// TestRefuseNewerStateFile: a state file of a newer leadsync is refused with both
// versions in the message, and left byte for byte as it was.
func TestRefuseNewerStateFile(t *testing.T) {
	for _, journal := range []string{"WAL", "DELETE"} {
		t.Run(journal, func(t *testing.T) { refuseNewer(t, journal) })
	}
}

// refuseNewer checks the refusal on a file in the given journal mode: switching a
// rollback-journal file to WAL would rewrite its header, so the refusal comes first.
func refuseNewer(t *testing.T, journal string) {
	path := copyGolden(t, state.SchemaVersion())
	newer := state.SchemaVersion() + 3
	execRaw(t, path, fmt.Sprintf("PRAGMA user_version = %d", newer))
	execRaw(t, path, "PRAGMA journal_mode = "+journal)
	before := readFile(t, path)
	for _, f := range []string{path + "-wal", path + "-shm"} {
		if _, err := os.Stat(f); err == nil {
			t.Fatalf("%s left behind by the setup", f)
		}
	}

	for range 2 { // and a second start fails alike
		s, err := state.Open(t.Context(), path)
		if err == nil {
			s.Close()
			t.Fatal("Open of a newer file succeeded")
		}
		msg := err.Error()
		if !errors.Is(err, state.ErrSchemaTooNew) || !strings.Contains(msg, "schema version "+strconv.Itoa(newer)) ||
			!strings.Contains(msg, "up to "+strconv.Itoa(state.SchemaVersion())) || !strings.Contains(msg, "newer leadsync") {
			t.Errorf("Open error = %q; want ErrSchemaTooNew naming version %d and %d", msg, newer, state.SchemaVersion())
		}
	}
	if after := readFile(t, path); after != before {
		t.Error("Open changed the refused file")
	}
	if got := queryInt(t, rawDB(t, path), "PRAGMA user_version"); got != newer {
		t.Errorf("user_version = %d, want %d", got, newer)
	}
}

// The child process of TestMigrationKilled: it opens the file named by
// envKillFile and blocks inside migration step envKillStep, where the parent
// kills it.
const (
	envKillFile = "LEADSYNC_TEST_MIGRATE_KILL_FILE"
	envKillStep = "LEADSYNC_TEST_MIGRATE_KILL_STEP"
	killMarker  = "MIGRATION STEP BLOCKED"
)

func TestMigrationKilledChild(t *testing.T) {
	path := os.Getenv(envKillFile)
	if path == "" {
		t.Skip("the child process of TestMigrationKilled")
	}
	stop, err := strconv.Atoi(os.Getenv(envKillStep))
	if err != nil {
		t.Fatal(err)
	}
	state.SetMigrateStepHook(func(step int) {
		if step == stop {
			fmt.Println(killMarker)
			os.Stdout.Sync()
			time.Sleep(time.Hour) // until SIGKILL
		}
	})
	s, err := state.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	t.Fatal("migration step was not reached")
}

// TestMigrationKilled kills (SIGKILL) a process in the middle of each migration
// step of an upgrade from the v1 golden file, after the step's statements and its
// user_version bump ran and before the commit: the file is left at the version
// before the step, and the next start migrates it fully with the data intact.
func TestMigrationKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process per migration step")
	}
	for step := 1; step < state.SchemaVersion(); step++ {
		t.Run(fmt.Sprintf("step%d", step+1), func(t *testing.T) {
			path := copyGolden(t, 1)
			killInStep(t, path, step)
			if got := queryInt(t, rawDB(t, path), "PRAGMA user_version"); got != step {
				t.Errorf("after the kill in step %d, user_version = %d; want %d (the step rolled back)",
					step+1, got, step)
			}
			checkUpgraded(t, path, 1)
		})
	}
}

// killInStep runs the child on path, waits until it blocks inside migration
// step (0-based), and kills it.
func killInStep(t *testing.T, path string, step int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestMigrationKilledChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), envKillFile+"="+path, envKillStep+"="+strconv.Itoa(step))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	blocked := make(chan bool, 1)
	var seen bytes.Buffer
	go func() {
		sc := bufio.NewScanner(io.TeeReader(out, &seen))
		for sc.Scan() {
			if sc.Text() == killMarker {
				blocked <- true
				return
			}
		}
		blocked <- false
	}()
	select {
	case ok := <-blocked:
		if !ok {
			cmd.Wait()
			t.Fatalf("the child ended before blocking in step %d:\n%s\n%s", step+1, seen.String(), stderr.String())
		}
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("the child did not reach step %d:\n%s\n%s", step+1, seen.String(), stderr.String())
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child: %v; want killed by SIGKILL", err)
	}
}
