package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/leadsync/leadsync/connector"
	"github.com/leadsync/leadsync/connector/config"
)

// ChildEnv names the environment variable that makes a process the benchmark's child:
// its value is the child's task as JSON. Whatever runs Options.Child must pass it to
// RunChild (`leadsync bench --child` does; a test binary does from TestMain).
const ChildEnv = "BENCH_CHILD_TASK" // not LEADSYNC_…: the config rejects unknown keys there

// childTask is what the parent asks of the child.
type childTask struct {
	Config     string `json:"config"`
	CPUProfile string `json:"cpuprofile,omitempty"`
	MemProfile string `json:"memprofile,omitempty"`
	// Soak, when set, makes the child the soak's daemon instead of a measured sync.
	Soak *soakTask `json:"soak,omitempty"`
}

// childResult is what the child reports on its stdout, as one JSON line.
type childResult struct {
	Runs           int           `json:"runs"`
	Status         string        `json:"status"`
	Error          string        `json:"error,omitempty"`
	RecordsRead    int           `json:"records_read"`
	RecordsWritten int           `json:"records_written"`
	RecordsFailed  int           `json:"records_failed"`
	CreditsSpent   int           `json:"credits_spent"`
	SyncTime       time.Duration `json:"sync_ns"`
	// PeakRSS is the child's own peak resident memory (ownPeakRSS), 0 when the system
	// does not tell.
	PeakRSS int64 `json:"peak_rss_bytes"`
}

// maxRuns bounds "sync until done": one run reads everything; the next finds nothing
// new. More means records keep coming back, which the report shows as a failure.
const maxRuns = 4

// RunChild is the child process: the leadsync engine alone, built from the config the
// parent wrote, syncing until a run finds nothing new. Its peak memory and CPU time
// are the figures measured, so the fakes live in the parent. task is ChildEnv's value.
func RunChild(ctx context.Context, task string, environ []string, stdout, stderr io.Writer) error {
	var t childTask
	if err := json.Unmarshal([]byte(task), &t); err != nil {
		return fmt.Errorf("bench child: bad task: %w", err)
	}
	if t.Soak != nil {
		return runSoakChild(ctx, t, environ, stdout, stderr)
	}
	if t.CPUProfile != "" {
		f, err := os.Create(t.CPUProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	res, err := syncUntilDone(ctx, t.Config, environ, stderr, t.MemProfile)
	if err != nil {
		return err
	}
	res.PeakRSS = ownPeakRSS()
	return json.NewEncoder(stdout).Encode(res)
}

// syncUntilDone builds the engine and runs the pipeline until a run finds nothing new.
// With memProfile set, it writes the allocation profile while the engine is still
// open, so that its in-use part shows what the engine holds at the end.
func syncUntilDone(ctx context.Context, cfgPath string, environ []string, stderr io.Writer, memProfile string) (childResult, error) {
	cfg, err := config.Load(cfgPath, environ)
	if err != nil {
		return childResult{}, err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	eng, err := connector.Build(ctx, cfg, lookup(environ), log)
	if err != nil {
		return childResult{}, err
	}
	defer eng.Close()
	p, ok := eng.Pipeline(pipelineName)
	if !ok {
		return childResult{}, fmt.Errorf("bench child: no pipeline %s in %s", pipelineName, cfgPath)
	}
	var res childResult
	for res.Runs < maxRuns {
		start := time.Now()
		sum, err := eng.Runner.Run(ctx, p, connector.RunOptions{})
		if err != nil {
			return res, err
		}
		res.Runs++
		if res.Runs == 1 || sum.Status != connector.RunOK {
			res.Status, res.Error = sum.Status, sum.Error
		}
		// The run that finds nothing new is part of syncing until done: its calls are
		// counted at the fakes, so its time is counted here.
		res.SyncTime += time.Since(start)
		if sum.RecordsRead == 0 {
			break
		}
		res.RecordsRead += sum.RecordsRead
		res.RecordsWritten += sum.RecordsWritten
		res.RecordsFailed += sum.RecordsFailed
		res.CreditsSpent += sum.CreditsSpent
		if sum.Status != connector.RunOK && sum.Status != connector.RunPartial {
			break
		}
	}
	if memProfile != "" {
		runtime.GC() // the in-use figures are those of the last collection
		if err := writeAllocs(memProfile); err != nil {
			return res, err
		}
	}
	return res, nil
}

// writeAllocs writes the allocation profile: every allocation since the start.
func writeAllocs(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// usage is what the kernel measured of a finished process.
type usage struct {
	PeakRSS int64         // bytes: the child's own peak where it reported one, else ru_maxrss
	MaxRSS  int64         // bytes: ru_maxrss, which on Linux includes the parent's peak
	CPU     time.Duration // user + system
}

// childRun is a finished child: its report and what the kernel measured of it.
type childRun struct {
	result childResult
	usage  usage
}

// runChild starts command as the child for task, with env added to this process's
// environment, and waits for it.
func runChild(ctx context.Context, command []string, task childTask, env []string) (childRun, error) {
	if len(command) == 0 {
		return childRun{}, errors.New("bench: Options.Child is empty: no way to start the measured process")
	}
	spec, err := json.Marshal(task)
	if err != nil {
		return childRun{}, err
	}
	cmd := exec.CommandContext(ctx, command[0], command[1:]...)
	cmd.Env = append(append(os.Environ(), env...), ChildEnv+"="+string(spec))
	var out bytes.Buffer
	errTail := &tail{max: 4096}
	cmd.Stdout, cmd.Stderr = &out, errTail
	runErr := cmd.Run()
	if runErr != nil {
		return childRun{}, fmt.Errorf("bench: child sync: %w: %s", runErr, errTail.String())
	}
	u, err := usageOf(cmd.ProcessState)
	if err != nil {
		return childRun{}, err
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var res childResult
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil {
		return childRun{}, fmt.Errorf("bench: child printed no result (%v): %s", err, errTail.String())
	}
	if res.PeakRSS > 0 {
		u.PeakRSS = res.PeakRSS
	}
	return childRun{result: res, usage: u}, nil
}

// tail keeps the last max bytes written: a child's stderr, for error messages, without
// holding a long log in memory.
type tail struct {
	max int
	buf []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tail) String() string { return strings.TrimSpace(string(t.buf)) }
