package bench

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// replica is one `leadsync run` process.
type replica struct {
	cmd    *exec.Cmd
	out    *lockedTail
	exited chan struct{} // closed once the process has ended; err is then set
	err    error
}

// replicas are the processes of one measurement; stop ends them all.
type replicas struct {
	procs []*replica
	// exited is closed when the first replica ends.
	exited   chan struct{}
	exitOnce sync.Once
}

// startReplicas starts n × `leadsync run -c cfgPath`, with env added to this process's
// environment. Each replica's waiter goroutine ends with its process.
func startReplicas(leadsync []string, cfgPath string, env []string, n int) (*replicas, error) {
	reps := &replicas{exited: make(chan struct{})}
	for range n {
		cmd := exec.Command(leadsync[0], append(leadsync[1:], "run", "-c", cfgPath)...)
		cmd.Env = append(os.Environ(), env...)
		r := &replica{cmd: cmd, out: &lockedTail{t: tail{max: 4096}}, exited: make(chan struct{})}
		cmd.Stdout, cmd.Stderr = r.out, r.out
		if err := cmd.Start(); err != nil {
			return nil, errors.Join(fmt.Errorf("bench: start a replica: %w", err), reps.stop())
		}
		go func() {
			r.err = cmd.Wait()
			close(r.exited)
			reps.exitOnce.Do(func() { close(reps.exited) })
		}()
		reps.procs = append(reps.procs, r)
	}
	return reps, nil
}

// anyExited is closed once a replica has ended.
func (rs *replicas) anyExited() <-chan struct{} { return rs.exited }

// stopWithin bounds a replica's shutdown after SIGTERM: its shutdown_grace (5 s) and
// the time to close its stores, with room for a loaded machine.
const stopWithin = 60 * time.Second

// stop sends SIGTERM to every replica, waits for each (killing one that outlives
// stopWithin) and returns the failures of those that did not end cleanly.
func (rs *replicas) stop() error {
	for _, r := range rs.procs {
		select {
		case <-r.exited:
		default:
			_ = r.cmd.Process.Signal(syscall.SIGTERM) // it may have just ended: the wait tells
		}
	}
	var errs []error
	for i, r := range rs.procs {
		select {
		case <-r.exited:
		case <-time.After(stopWithin):
			_ = r.cmd.Process.Kill()
			<-r.exited
			errs = append(errs, fmt.Errorf("bench: replica %d did not stop within %v of SIGTERM", i+1, stopWithin))
			continue
		}
		if r.err != nil {
			errs = append(errs, fmt.Errorf("bench: replica %d: %w: %s", i+1, r.err, r.out.String()))
		}
	}
	return errors.Join(errs...)
}

// cpu is the CPU time (user + system) of the replicas that ended.
func (rs *replicas) cpu() time.Duration {
	var d time.Duration
	for _, r := range rs.procs {
		if ps := r.cmd.ProcessState; ps != nil {
			d += ps.UserTime() + ps.SystemTime()
		}
	}
	return d
}

// lockedTail is a tail that a process's output copier and the benchmark share.
type lockedTail struct {
	mu sync.Mutex
	t  tail
}

func (l *lockedTail) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.t.Write(p)
}

func (l *lockedTail) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.t.String()
}
