// Package bench measures leadsync against the limits that bound it (DESIGN §8): it
// syncs N leads from fake HubSpot or Salesforce through fake Lusha and reports
// throughput against the rate-limit bound, limit answers, peak memory at N and 10×N,
// credits and CPU per lead.
package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// ErrNotAvailable is returned for a CRM whose pipeline the benchmark cannot build yet
// (today every CRM leadsync has an adapter for can be measured).
var ErrNotAvailable = errors.New("not available yet")

// Options say what to measure. Zero values take the defaults.
type Options struct {
	// CRM is "hubspot" (default) or "salesforce".
	CRM string
	// Leads is N, the number of leads synced (default 20,000).
	Leads int
	// Seed makes the synthetic world (default 1).
	Seed int64
	// LimitScale multiplies the documented limits of the throughput run (default 1);
	// tests raise it to run fast. The bound is computed from the scaled limits.
	LimitScale float64
	// MemoryFactor is the multiple of N whose peak memory is compared with N's
	// (default 10).
	MemoryFactor int
	// Child is the command that runs RunChild in a fresh process, e.g.
	// {"/usr/bin/leadsync", "bench", "--child"}. Required: the measured sync runs there.
	Child []string
	// Dir holds each sync's config, mapping and state; "" is a temporary folder that
	// Run removes.
	Dir string
	// CPUProfile and MemProfile, when set, receive the CPU and allocation profiles of
	// the limits-off sync of N leads.
	CPUProfile, MemProfile string
	// Progress receives a line as each sync starts and ends; nil is silent.
	Progress io.Writer
}

func (o Options) withDefaults() Options {
	if o.CRM == "" {
		o.CRM = "hubspot"
	}
	if o.Leads == 0 {
		o.Leads = 20_000
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.LimitScale == 0 {
		o.LimitScale = 1
	}
	if o.MemoryFactor == 0 {
		o.MemoryFactor = 10
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	return o
}

func (o Options) check() error {
	if _, err := specOf(o.CRM); err != nil {
		return err
	}
	switch {
	case o.Leads < 1:
		return fmt.Errorf("bench: leads must be at least 1, not %d", o.Leads)
	case o.LimitScale < 0:
		return fmt.Errorf("bench: the limit scale must be positive, not %g", o.LimitScale)
	case o.MemoryFactor < 2:
		return fmt.Errorf("bench: the memory factor must be at least 2, not %d", o.MemoryFactor)
	case len(o.Child) == 0:
		return errors.New("bench: Options.Child is empty: no way to start the measured process")
	}
	return nil
}

// Run does three syncs, each with fresh fakes and a fresh state store, each in a child
// process: N leads with the limits enforced (throughput, 429s, credits), N leads with
// the limits off (CPU per lead, peak memory, profiles), MemoryFactor×N leads with the
// limits off (peak memory).
func Run(ctx context.Context, opts Options) (Report, error) {
	opts = opts.withDefaults()
	if err := opts.check(); err != nil {
		return Report{}, err
	}
	spec, _ := specOf(opts.CRM) // checked
	dir := opts.Dir
	if dir == "" {
		d, err := os.MkdirTemp("", "leadsync-bench-")
		if err != nil {
			return Report{}, err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	limited, paced := spec.documented.Scaled(opts.LimitScale), spec.client.Scaled(opts.LimitScale)
	if err := paced.check(limited); err != nil {
		return Report{}, err
	}
	on, err := syncOnce(ctx, spec, opts, filepath.Join(dir, "limits-on"), opts.Leads, limited, paced, childTask{})
	if err != nil {
		return Report{}, err
	}
	off, err := syncOnce(ctx, spec, opts, filepath.Join(dir, "limits-off"), opts.Leads, Limits{}, clientLimitsOff,
		childTask{CPUProfile: opts.CPUProfile, MemProfile: opts.MemProfile})
	if err != nil {
		return Report{}, err
	}
	big, err := syncOnce(ctx, spec, opts, filepath.Join(dir, "limits-off-scaled"), opts.Leads*opts.MemoryFactor, Limits{},
		clientLimitsOff, childTask{})
	if err != nil {
		return Report{}, err
	}
	return newReport(opts, spec, on, off, big), nil
}

// phase is one finished sync and what the fakes saw of it.
type phase struct {
	leads   int
	limits  Limits
	client  ClientLimits
	child   childRun
	crm     Traffic
	lusha   Traffic
	credits Credits
}

// syncOnce starts fresh fakes for n leads, writes a config pointing at them, and has a
// child process sync it to the end.
func syncOnce(ctx context.Context, spec *crmSpec, opts Options, dir string, n int, lim Limits, client ClientLimits, task childTask) (phase, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return phase{}, err
	}
	mode := "limits off"
	if lim.Enforced() {
		mode = "limits on (" + spec.describe(lim, client) + ")"
	}
	fmt.Fprintf(opts.Progress, "bench: %d %s leads, %s: seeding the fakes\n", n, spec.label, mode)
	f, err := startFakes(spec, opts.Seed, n, lim)
	if err != nil {
		return phase{}, err
	}
	defer f.close()
	if spec.settle {
		waitForNextSecond() // the seeded records' second must be over before a read sees them
	}
	config, env, err := writeConfig(dir, f, client)
	if err != nil {
		return phase{}, err
	}
	task.Config = config
	start := time.Now()
	cr, err := runChild(ctx, opts.Child, task, env)
	if err != nil {
		return phase{}, err
	}
	fmt.Fprintf(opts.Progress, "bench: %d leads synced in %.1f s (process %.1f s)\n", cr.result.RecordsRead,
		cr.result.SyncTime.Seconds(), time.Since(start).Seconds())
	if cr.result.RecordsRead < n {
		return phase{}, fmt.Errorf("bench: the sync read %d of %d leads in %d runs (status %s): %s",
			cr.result.RecordsRead, n, cr.result.Runs, cr.result.Status, cr.result.Error)
	}
	return phase{leads: n, limits: lim, client: client, child: cr, crm: f.crmIn.traffic(), lusha: f.lushaIn.traffic(),
		credits: f.credits()}, nil
}
