package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/leadsync/leadsync/connector"
	"github.com/leadsync/leadsync/connector/sandbox"
	"github.com/leadsync/leadsync/state"
)

// soakTask asks the child to be the soak's daemon until SIGTERM.
type soakTask struct {
	Tick       time.Duration   `json:"tick_ns"`
	Keep       state.Retention `json:"keep"`
	PruneEvery time.Duration   `json:"prune_every_ns"`
	// DeletedEvery spaces the deletion passes (SoakOptions.DeletedEvery).
	DeletedEvery time.Duration `json:"deleted_every_ns"`
}

// soakReady is the child's first line on its stdout, once its daemon listens.
type soakReady struct {
	Addr string `json:"addr"`
}

// soakChildResult is the child's last line: what its daemon logged, and its own
// figures after the daemon and the engine stopped.
type soakChildResult struct {
	Runs           map[string]int `json:"runs"`
	RecordsRead    int            `json:"records_read"`
	RecordsWritten int            `json:"records_written"`
	LogLines       map[string]int `json:"log_lines"`
	LogMessages    map[string]int `json:"log_messages"`
	Final          Sample         `json:"final"`
}

// runSoakChild is the soak's daemon in a child: the engine built from the parent's
// config as the in-process soak builds it, run by connector.Daemon until SIGTERM.
// Its warnings go to stderr, which the parent keeps the tail of for errors.
func runSoakChild(ctx context.Context, t childTask, environ []string, stdout, stderr io.Writer) (err error) {
	ctx, stopSignals := signal.NotifyContext(ctx, syscall.SIGTERM, os.Interrupt)
	defer stopSignals()
	cfg, err := soakConfig(t.Config, environ, t.Soak.Tick)
	if err != nil {
		return err
	}
	counted := newCountingHandler(slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	log := slog.New(counted)
	eng, err := buildSoakEngine(ctx, cfg, environ, log, t.Soak.Keep, t.Soak.PruneEvery, t.Soak.DeletedEvery)
	if err != nil {
		return err
	}
	out := json.NewEncoder(stdout)
	var readyErr error
	d := &connector.Daemon{Engine: eng, Logger: log, Ready: func(addr string) { readyErr = out.Encode(soakReady{Addr: addr}) }}
	runErr := d.Run(ctx)
	if err := errors.Join(runErr, readyErr, eng.Close()); err != nil {
		return fmt.Errorf("bench child: the soak's daemon: %w", err)
	}
	var res soakChildResult
	res.LogLines, res.LogMessages = counted.counts()
	res.Runs, res.RecordsRead, res.RecordsWritten = counted.runs()
	res.Final = sample(cfg.Resolve(cfg.State.Path))
	return out.Encode(res)
}

// soakInChild runs the daemon in a child process while this one keeps the fakes and
// adds the new records, so that the samples count the daemon alone.
func soakInChild(ctx context.Context, opts SoakOptions, sb *sandbox.Sandbox, environ []string, statePath string,
	rep *SoakReport) error {
	task := childTask{Config: sb.Config, Soak: &soakTask{Tick: opts.Tick, Keep: opts.Keep, PruneEvery: opts.PruneEvery,
		DeletedEvery: opts.DeletedEvery}}
	c, err := startSoakChild(ctx, opts.Child, task, environ)
	if err != nil {
		return err
	}
	defer c.client.CloseIdleConnections()
	select {
	case r := <-c.ready:
		c.metricsURL = "http://" + r.Addr + "/metrics"
	case <-c.end.ch:
		return fmt.Errorf("bench: the soak's daemon did not start: %w", c.end.err)
	}
	loopErr := tickLoop(ctx, opts, sb, statePath, c, rep)
	if err := c.stop(); err != nil || loopErr != nil {
		return errors.Join(loopErr, err)
	}
	res := c.result
	rep.Runs, rep.RecordsRead, rep.RecordsWritten = res.Runs, res.RecordsRead, res.RecordsWritten
	rep.LogLines, rep.LogMessages, rep.Final = res.LogLines, res.LogMessages, res.Final
	return nil
}

// soakChild is the daemon's process, owned by the goroutine that reads its stdout
// and waits for it: end closes once it exited, with result set.
type soakChild struct {
	cmd        *exec.Cmd
	proc       string // /proc/PID
	client     *http.Client
	metricsURL string
	ready      chan soakReady
	end        *daemonEnd
	result     soakChildResult
}

func startSoakChild(ctx context.Context, command []string, task childTask, env []string) (*soakChild, error) {
	if len(command) == 0 {
		return nil, errors.New("bench: SoakOptions.Child is empty: no way to start the daemon's process")
	}
	spec, err := json.Marshal(task)
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, command[0], command[1:]...)
	cmd.Env = append(append(os.Environ(), env...), ChildEnv+"="+string(spec))
	// Cancelled, the daemon gets the signal a user's service manager sends, and a
	// minute to drain before it is killed.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = time.Minute
	errTail := &tail{max: 4096}
	cmd.Stderr = errTail
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench: start the soak's daemon: %w", err)
	}
	c := &soakChild{cmd: cmd, proc: "/proc/" + strconv.Itoa(cmd.Process.Pid),
		client: &http.Client{Transport: &http.Transport{}, Timeout: 30 * time.Second},
		ready:  make(chan soakReady, 1), end: newDaemonEnd()}
	go func() { c.end.finish(c.wait(stdout, errTail)) }()
	return c, nil
}

// wait reads the child's stdout to its end, then waits for the child.
func (c *soakChild) wait(stdout io.Reader, errTail *tail) error {
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	var last []byte
	for first := true; sc.Scan(); first = false {
		if first {
			var r soakReady
			if err := json.Unmarshal(sc.Bytes(), &r); err == nil {
				c.ready <- r
			}
			continue
		}
		last = append(last[:0], sc.Bytes()...)
	}
	scanErr := sc.Err()
	if err := c.cmd.Wait(); err != nil {
		return fmt.Errorf("%w: %s", err, errTail.String())
	}
	if scanErr != nil {
		return fmt.Errorf("read the daemon's output: %w", scanErr)
	}
	if err := json.Unmarshal(last, &c.result); err != nil {
		return fmt.Errorf("the daemon printed no result (%v): %s", err, errTail.String())
	}
	return nil
}

// stop asks the child to shut down as a service manager would, and waits for it.
func (c *soakChild) stop() error {
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("bench: stop the soak's daemon: %w", err)
	}
	<-c.end.ch
	if c.end.err != nil {
		return fmt.Errorf("bench: the soak's daemon: %w", c.end.err)
	}
	return nil
}

func (c *soakChild) ended() *daemonEnd { return c.end }

// measure reads the child's resident set and descriptors from /proc, its goroutines
// and Go memory from its /metrics, and this process's live heap: the fakes'.
func (c *soakChild) measure(ctx context.Context, s *Sample) error {
	s.RSS, s.FDs = procRSS(c.proc), procFDs(c.proc)
	m, err := c.scrape(ctx)
	if err != nil {
		return err
	}
	s.Goroutines = int(m["go_goroutines"])
	s.HeapLive = int64(m["go_memstats_heap_inuse_bytes"])
	s.HeapDaemon = s.HeapLive
	s.GoHeld = int64(m["go_memstats_sys_bytes"] - m["go_memstats_heap_released_bytes"])
	s.HeapFakes, _ = goMemory()
	return nil
}

// scrape reads the child's /metrics.
func (c *soakChild) scrape(ctx context.Context) (map[string]float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.metricsURL, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("read the daemon's /metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("read the daemon's /metrics: %s", resp.Status)
	}
	return parseGoMetrics(resp.Body)
}

// parseGoMetrics reads the unlabelled go_ samples of a Prometheus text exposition.
func parseGoMetrics(r io.Reader) (map[string]float64, error) {
	m := map[string]float64{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if !ok || !strings.HasPrefix(name, "go_") || strings.ContainsRune(name, '{') {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil {
			return nil, fmt.Errorf("metric %s: %w", name, err)
		}
		m[name] = v
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read the daemon's /metrics: %w", err)
	}
	if _, ok := m["go_goroutines"]; !ok {
		return nil, errors.New("the daemon's /metrics has no go_goroutines")
	}
	return m, nil
}
