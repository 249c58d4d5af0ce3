package bench

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/leadsync/leadsync/connector"
	"github.com/leadsync/leadsync/connector/config"
	"github.com/leadsync/leadsync/connector/run"
	"github.com/leadsync/leadsync/connector/sandbox"
	"github.com/leadsync/leadsync/lusha/lushatest"
	"github.com/leadsync/leadsync/state"
)

// SoakOptions say how long and how hard the soak runs. Zero values take the defaults.
type SoakOptions struct {
	// Ticks is the number of samples, one per Tick (default 3,000).
	Ticks int
	// Tick is both the pipelines' schedule (@every Tick) and the sampling interval
	// (default 1 s); tests shorten it.
	Tick time.Duration
	// Leads is the number of contacts and leads the sandbox is seeded with (default 200).
	Leads int
	// NewPerTick is the number of HubSpot contacts and of Salesforce Leads that arrive
	// every tick (default 2 each); as many are deleted every tick, oldest first, so
	// that both CRMs keep their size.
	NewPerTick int
	// Chaos is the share of requests the fakes fail (default 0.05; negative: none).
	Chaos float64
	// Seed makes the synthetic world (default 1).
	Seed int64
	// Dir holds the config, mappings and the state file; "" is a temporary folder.
	Dir string
	// Logger, when set, receives the daemon's log (its level decides what is logged);
	// nil discards it. Either way the lines at info and above are counted.
	Logger *slog.Logger
	// Progress receives a line every tenth of the ticks; nil is silent.
	Progress io.Writer
	// Keep is the history the daemon keeps (default: both windows a tenth of the
	// soak), and PruneEvery spaces its prunes (default: a tenth of Keep.KeepRuns).
	// They are handed to the engine, not the config, whose check holds users to
	// keep_runs of at least 24h: a soak of an hour must see its windows fill.
	Keep       state.Retention
	PruneEvery time.Duration
	// DeletedEvery spaces each pipeline's deletion passes (connector.Runner
	// DeletedEvery; default: PruneEvery): the daemon's ten minutes would leave a soak
	// of an hour's deletions to a handful of passes.
	DeletedEvery time.Duration
	// Child, when set, is the command that runs RunChild in a fresh process, as
	// Options.Child: the daemon then runs there, apart from the fakes, and the
	// samples are that process's. Nil runs the daemon in this process.
	Child []string
}

func (o SoakOptions) withDefaults() SoakOptions {
	if o.Ticks == 0 {
		o.Ticks = 3000
	}
	if o.Tick == 0 {
		o.Tick = time.Second
	}
	if o.Leads == 0 {
		o.Leads = 200
	}
	if o.NewPerTick == 0 {
		o.NewPerTick = 2
	}
	switch {
	case o.Chaos == 0:
		o.Chaos = 0.05
	case o.Chaos < 0:
		o.Chaos = 0
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	if o.Keep == (state.Retention{}) {
		window := time.Duration(max(o.Ticks/10, 1)) * o.Tick
		o.Keep = state.Retention{KeepRuns: window, KeepLedger: window}
	}
	if o.PruneEvery == 0 {
		o.PruneEvery = o.Keep.KeepRuns / 10
	}
	if o.DeletedEvery == 0 {
		o.DeletedEvery = max(o.PruneEvery, time.Millisecond)
	}
	return o
}

// Sample is what the soak reads of the process and the state store at one tick.
type Sample struct {
	// In a child soak (SoakOptions.Child) RSS, FDs, Goroutines, HeapLive, GoHeld and
	// HeapDaemon are the daemon's process's, read from /proc/PID and its /metrics
	// (HeapLive and HeapDaemon are then its heap in use, garbage included), and
	// HeapFakes is this process's live heap: the fakes and the soak.
	Tick int   `json:"tick"`
	RSS  int64 `json:"rss_bytes"` // VmRSS of /proc/self/status; 0 where there is none
	// HeapLive is the Go heap the last GC found live, and GoHeld what the Go runtime
	// holds of the OS (mapped, not released): RSS less GoHeld is mostly C (SQLite).
	HeapLive int64 `json:"heap_live_bytes"`
	GoHeld   int64 `json:"go_held_bytes"`
	// HeapDaemon and HeapFakes split the Go heap in use by who allocated it
	// (heapByOwner): the fakes' code, or anything else.
	HeapDaemon int64 `json:"heap_daemon_bytes"`
	HeapFakes  int64 `json:"heap_fakes_bytes"`
	Goroutines int   `json:"goroutines"`
	FDs        int   `json:"fds"` // entries of /proc/self/fd; 0 where there is none
	StateBytes int64 `json:"state_bytes"`
	WALBytes   int64 `json:"wal_bytes"`
	// RunRows, LedgerRows and RecordRows count the state's runs, ledger rows and
	// records (one per CRM record), and LedgerFields the (record, field) pairs the
	// ledger holds rows of: retention keeps one row each, plus its window's rows.
	// All are 0 in the final sample.
	RunRows      int64 `json:"run_rows"`
	LedgerRows   int64 `json:"ledger_rows"`
	LedgerFields int64 `json:"ledger_fields"`
	RecordRows   int64 `json:"record_rows"`
}

// SoakFigure sums one sampled quantity: its first and largest values, the median of
// each quarter of the ticks, and the ratio of the last quarter's to the second's.
type SoakFigure struct {
	Name     string  `json:"name"`
	Unit     string  `json:"unit"`
	First    float64 `json:"first"`
	Max      float64 `json:"max"`
	Q2Median float64 `json:"q2_median"`
	Q4Median float64 `json:"q4_median"`
	Ratio    float64 `json:"ratio"`
	// Quarters are the medians of the four quarters.
	Quarters [4]float64 `json:"quarter_medians"`
}

// SoakReport is the outcome of a soak.
type SoakReport struct {
	Ticks      int           `json:"ticks"`
	Tick       time.Duration `json:"tick_ns"`
	Pipelines  int           `json:"pipelines"`
	Chaos      float64       `json:"chaos"`
	Leads      int           `json:"leads"`
	NewPerTick int           `json:"new_per_tick"`
	Wall       time.Duration `json:"wall_ns"`
	// Mode is where the daemon ran: "child" (a process of its own) or "in-process".
	Mode string `json:"mode"`
	// Runs counts the finished runs per status, over all pipelines, as the daemon
	// logged them (the state prunes old runs).
	Runs map[string]int `json:"runs"`
	// RecordsRead and RecordsWritten sum the runs' counts.
	RecordsRead    int `json:"records_read"`
	RecordsWritten int `json:"records_written"`
	// LogLines counts the daemon's log lines at info and above, by level, and
	// LogMessages by message.
	LogLines    map[string]int `json:"log_lines"`
	LogMessages map[string]int `json:"log_messages"`
	Figures     []SoakFigure   `json:"figures"`
	Samples     []Sample       `json:"samples,omitempty"`
	// Final is the sample taken after the daemon stopped and the fakes closed.
	Final Sample `json:"final"`
}

// FinishedRuns is the number of runs that ended, whatever their status.
func (r SoakReport) FinishedRuns() int {
	n := 0
	for status, c := range r.Runs {
		if status != "running" {
			n += c
		}
	}
	return n
}

// Figure returns the figure called name.
func (r SoakReport) Figure(name string) (SoakFigure, bool) {
	for _, f := range r.Figures {
		if f.Name == name {
			return f, true
		}
	}
	return SoakFigure{}, false
}

// Soak runs the daemon against the sandbox's fakes, in this process or, with
// opts.Child, in a child: its four pipelines (HubSpot contacts and companies,
// Salesforce Leads and Accounts) every tick, with chaos and new records arriving
// every tick, and samples the daemon's process and the state file every tick.
func Soak(ctx context.Context, opts SoakOptions) (SoakReport, error) {
	opts = opts.withDefaults()
	if opts.Ticks < 8 {
		return SoakReport{}, fmt.Errorf("bench: a soak needs at least 8 ticks (4 quarters of 2), not %d", opts.Ticks)
	}
	if opts.Chaos > 1 {
		return SoakReport{}, fmt.Errorf("bench: chaos must be between 0 and 1, not %g", opts.Chaos)
	}
	if opts.Keep.KeepRuns <= 0 || opts.Keep.KeepLedger < 0 || opts.PruneEvery < 0 {
		return SoakReport{}, fmt.Errorf("bench: the history kept (%v, %v) and the prune spacing (%v) must be positive",
			opts.Keep.KeepRuns, opts.Keep.KeepLedger, opts.PruneEvery)
	}
	if opts.Tick < 10*time.Millisecond {
		return SoakReport{}, fmt.Errorf("bench: the tick must be at least 10ms, not %s", opts.Tick)
	}
	dir := opts.Dir
	if dir == "" {
		d, err := os.MkdirTemp("", "leadsync-soak-")
		if err != nil {
			return SoakReport{}, err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	rep, statePath, err := soak(ctx, opts, dir)
	if err != nil {
		return rep, err
	}
	if opts.Child == nil {
		// The final sample: the daemon, its engine and the fakes gone, idle keep-alive
		// connections of the default client closed. A child reported its own.
		http.DefaultClient.CloseIdleConnections()
		rep.Final = sample(statePath)
	}
	return rep, nil
}

// soak runs the daemon and the fakes, and stops them before it returns.
func soak(ctx context.Context, opts SoakOptions, dir string) (rep SoakReport, statePath string, err error) {
	sb, err := sandbox.Start(sandbox.Options{Seed: opts.Seed, Leads: opts.Leads, Chaos: opts.Chaos, Dir: dir})
	if err != nil {
		return SoakReport{}, "", err
	}
	defer sb.Close()
	environ := sb.Environ("127.0.0.1:0")
	cfg, err := soakConfig(sb.Config, environ, opts.Tick)
	if err != nil {
		return SoakReport{}, "", err
	}
	statePath = cfg.Resolve(cfg.State.Path)
	rep = SoakReport{Ticks: opts.Ticks, Tick: opts.Tick, Pipelines: len(cfg.Pipelines), Chaos: opts.Chaos,
		Leads: opts.Leads, NewPerTick: opts.NewPerTick, Mode: "in-process"}
	sb.Settle() // the fake org's seeded second must be over before the first run reads
	if opts.Child != nil {
		rep.Mode = "child"
		err = soakInChild(ctx, opts, sb, environ, statePath, &rep)
	} else {
		err = soakInProcess(ctx, opts, sb, cfg, environ, statePath, &rep)
	}
	if err != nil {
		return rep, "", err
	}
	rep.Figures = soakFigures(rep.Samples)
	return rep, statePath, nil
}

// soakConfig loads the sandbox's config with the soak's schedule and no daily cap:
// new records arrive every tick for hours.
func soakConfig(path string, environ []string, tick time.Duration) (*config.Config, error) {
	cfg, err := config.Load(path, environ)
	if err != nil {
		return nil, err
	}
	for i := range cfg.Pipelines {
		cfg.Pipelines[i].Schedule = "@every " + tick.String()
	}
	cfg.Lusha.Budget = config.Budget{}
	return cfg, nil
}

// buildSoakEngine builds the engine with the soak's retention windows, prune and
// deletion pass spacing, which the config's check would refuse (see
// SoakOptions.Keep).
func buildSoakEngine(ctx context.Context, cfg *config.Config, environ []string, log *slog.Logger,
	keep state.Retention, pruneEvery, deletedEvery time.Duration) (*connector.Engine, error) {
	eng, err := connector.Build(ctx, cfg, lookup(environ), log)
	if err != nil {
		return nil, err
	}
	eng.Runner.History = &run.History{Keep: keep, Every: pruneEvery}
	eng.Runner.DeletedEvery = deletedEvery
	return eng, nil
}

// soakInProcess runs the daemon in this process: the samples count the fakes too.
func soakInProcess(ctx context.Context, opts SoakOptions, sb *sandbox.Sandbox, cfg *config.Config,
	environ []string, statePath string, rep *SoakReport) (err error) {
	counted := newCountingHandler(opts.Logger)
	log := slog.New(counted)
	eng, err := buildSoakEngine(ctx, cfg, environ, log, opts.Keep, opts.PruneEvery, opts.DeletedEvery)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := eng.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	dctx, stop := context.WithCancel(ctx)
	defer stop()
	ready := make(chan string, 1)
	d := &connector.Daemon{Engine: eng, Logger: log, Ready: func(addr string) { ready <- addr }}
	end := newDaemonEnd()
	go func() { end.finish(d.Run(dctx)) }()
	select {
	case <-ready:
	case <-end.ch:
		return fmt.Errorf("bench: the daemon did not start: %w", end.err)
	}
	loopErr := tickLoop(ctx, opts, sb, statePath, inProcess{end}, rep)
	stop()
	<-end.ch
	if loopErr != nil {
		return loopErr
	}
	if end.err != nil {
		return fmt.Errorf("bench: the daemon's shutdown: %w", end.err)
	}
	rep.LogLines, rep.LogMessages = counted.counts()
	rep.Runs, rep.RecordsRead, rep.RecordsWritten = counted.runs()
	return nil
}

// daemonEnd is a daemon's end: ch closes once err is set.
type daemonEnd struct {
	ch  chan struct{}
	err error
}

func newDaemonEnd() *daemonEnd { return &daemonEnd{ch: make(chan struct{})} }

func (e *daemonEnd) finish(err error) {
	e.err = err
	close(e.ch)
}

// soakDaemon is the daemon under soak as the tick loop sees it, in this process or
// in a child.
type soakDaemon interface {
	// measure fills s with what the daemon's process holds.
	measure(ctx context.Context, s *Sample) error
	// ended is the daemon's end, which the loop only expects after it.
	ended() *daemonEnd
}

// inProcess measures this process, the daemon and the fakes together.
type inProcess struct{ end *daemonEnd }

func (p inProcess) measure(_ context.Context, s *Sample) error {
	selfFigures(s)
	return nil
}

func (p inProcess) ended() *daemonEnd { return p.end }

// tickLoop adds the new records and samples the daemon and the state file every
// tick, for opts.Ticks ticks, into rep.Samples and rep.Wall.
func tickLoop(ctx context.Context, opts SoakOptions, sb *sandbox.Sandbox, statePath string, d soakDaemon,
	rep *SoakReport) error {
	counter, err := openStateCounter(statePath)
	if err != nil {
		return err
	}
	defer counter.Close()
	start := time.Now()
	arrivals := newArrivals(sb, opts.NewPerTick)
	ticker := time.NewTicker(opts.Tick)
	defer ticker.Stop()
	end := d.ended()
	for i := 1; i <= opts.Ticks; i++ {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-end.ch:
			return fmt.Errorf("bench: the daemon stopped at tick %d: %v", i, end.err)
		case <-ticker.C:
		}
		arrivals.next()
		s := Sample{Tick: i}
		if err := d.measure(ctx, &s); err != nil {
			return fmt.Errorf("bench: tick %d: %w", i, err)
		}
		fileSizes(statePath, &s)
		counter.count(ctx, &s)
		rep.Samples = append(rep.Samples, s)
		if opts.Ticks >= 10 && i%(opts.Ticks/10) == 0 {
			fmt.Fprintf(opts.Progress, "soak: tick %d of %d: rss %.1f MiB (go heap %.1f, go held %.1f), %d goroutines, %d fds, state %.1f MiB, wal %.1f MiB\n",
				i, opts.Ticks, mib(s.RSS), mib(s.HeapLive), mib(s.GoHeld), s.Goroutines, s.FDs, mib(s.StateBytes), mib(s.WALBytes))
		}
	}
	rep.Wall = time.Since(start)
	return nil
}

// lookup is getenv over environ (KEY=value entries): the first entry of key.
func lookup(environ []string) func(string) string {
	return func(key string) string {
		for _, kv := range environ {
			if k, v, ok := strings.Cut(kv, "="); ok && k == key {
				return v
			}
		}
		return ""
	}
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

// arrivals add new records to both CRMs every tick: people of the world cycled
// through, as new contact and lead records (a CRM holds duplicates as sales makes
// them); and delete as many of the oldest, so that the CRMs keep their size and the
// state can stay flat (issue 18).
type arrivals struct {
	sb *sandbox.Sandbox
	n  int
	// contacts and leads are the records in each CRM, oldest first.
	contacts, leads []string
	next            func()
}

func newArrivals(sb *sandbox.Sandbox, n int) *arrivals {
	a := &arrivals{sb: sb, n: n}
	a.contacts = slices.SortedFunc(maps.Keys(sb.HubSpot.Contacts()), func(x, y string) int {
		return cmp.Or(cmp.Compare(len(x), len(y)), strings.Compare(x, y)) // numeric ids, ascending
	})
	for _, l := range sb.Salesforce.Leads() {
		a.leads = append(a.leads, l["Id"])
	}
	people := sb.World.People
	k := 0
	a.next = func() {
		batch := make([]*lushatest.Person, 0, n)
		for range n {
			p := &people[k%len(people)]
			k++
			batch = append(batch, p)
			a.leads = append(a.leads, sb.Salesforce.AddLead(map[string]string{"FirstName": p.FirstName, "LastName": p.LastName,
				"Company": p.Company.Name, "Website": p.Company.EmailDomain, "Email": p.Email}))
		}
		a.contacts = append(a.contacts, sb.AddContacts(batch)...)
		a.depart()
	}
	return a
}

// depart deletes the n oldest contacts and leads: a HubSpot contact goes to the
// recycle bin (archived), a Salesforce lead too (IsDeleted).
func (a *arrivals) depart() {
	for _, id := range a.contacts[:min(a.n, len(a.contacts))] {
		a.sb.HubSpot.ArchiveContact(id)
	}
	a.contacts = a.contacts[min(a.n, len(a.contacts)):]
	for _, id := range a.leads[:min(a.n, len(a.leads))] {
		_ = a.sb.Salesforce.Delete("Lead", id) // a lead merged away meanwhile is deleted already
	}
	a.leads = a.leads[min(a.n, len(a.leads)):]
}

// sample reads this process and the state file now.
func sample(statePath string) Sample {
	var s Sample
	selfFigures(&s)
	fileSizes(statePath, &s)
	return s
}

// selfFigures fills s with this process's figures.
func selfFigures(s *Sample) {
	s.Goroutines, s.RSS = runtime.NumGoroutine(), procRSS("/proc/self")
	if n := procFDs("/proc/self"); n > 0 {
		s.FDs = n - 1 // the directory read itself holds one
	}
	s.HeapLive, s.GoHeld = goMemory()
	s.HeapDaemon, s.HeapFakes = heapByOwner()
}

// fileSizes fills s with the sizes of the state file and its WAL.
func fileSizes(statePath string, s *Sample) {
	if fi, err := os.Stat(statePath); err == nil {
		s.StateBytes = fi.Size()
	}
	if fi, err := os.Stat(statePath + "-wal"); err == nil {
		s.WALBytes = fi.Size()
	}
}

// procRSS is the resident set of the process of proc ("/proc/self", "/proc/PID")
// from its status, 0 without one.
func procRSS(proc string) int64 {
	b, err := os.ReadFile(proc + "/status")
	if err != nil {
		return 0
	}
	return parseVmRSS(string(b))
}

func parseVmRSS(status string) int64 {
	const key = "VmRSS:"
	for len(status) > 0 {
		line := status
		if i := strings.IndexByte(status, '\n'); i >= 0 {
			line, status = status[:i], status[i+1:]
		} else {
			status = ""
		}
		if len(line) < len(key) || line[:len(key)] != key {
			continue
		}
		var kb int64
		if _, err := fmt.Sscanf(line[len(key):], "%d", &kb); err != nil {
			return 0
		}
		return kb * 1024
	}
	return 0
}

// procFDs counts the entries of proc's fd folder, 0 where /proc has none.
func procFDs(proc string) int {
	entries, err := os.ReadDir(proc + "/fd")
	if err != nil {
		return 0
	}
	return len(entries)
}

// soakFigures sums the samples per quantity.
func soakFigures(samples []Sample) []SoakFigure {
	q := []struct {
		name, unit string
		of         func(Sample) float64
	}{
		{"rss", "MiB", func(s Sample) float64 { return mib(s.RSS) }},
		{"heap_live", "MiB", func(s Sample) float64 { return mib(s.HeapLive) }},
		{"heap_daemon", "MiB", func(s Sample) float64 { return mib(s.HeapDaemon) }},
		{"heap_fakes", "MiB", func(s Sample) float64 { return mib(s.HeapFakes) }},
		{"go_held", "MiB", func(s Sample) float64 { return mib(s.GoHeld) }},
		{"not_go", "MiB", func(s Sample) float64 { return mib(s.RSS - s.GoHeld) }},
		{"goroutines", "", func(s Sample) float64 { return float64(s.Goroutines) }},
		{"fds", "", func(s Sample) float64 { return float64(s.FDs) }},
		{"state", "MiB", func(s Sample) float64 { return mib(s.StateBytes) }},
		{"wal", "MiB", func(s Sample) float64 { return mib(s.WALBytes) }},
		{"run_rows", "", func(s Sample) float64 { return float64(s.RunRows) }},
		{"ledger_rows", "", func(s Sample) float64 { return float64(s.LedgerRows) }},
		{"ledger_history", "", func(s Sample) float64 { return float64(s.LedgerRows - s.LedgerFields) }},
		{"record_rows", "", func(s Sample) float64 { return float64(s.RecordRows) }},
	}
	n := len(samples)
	var out []SoakFigure
	for _, x := range q {
		vals := make([]float64, n)
		for i, s := range samples {
			vals[i] = x.of(s)
		}
		f := SoakFigure{Name: x.name, Unit: x.unit}
		if n > 0 {
			f.First, f.Max = vals[0], slices.Max(vals)
			for q := range 4 {
				f.Quarters[q] = median(vals[q*n/4 : (q+1)*n/4])
			}
			f.Q2Median, f.Q4Median = f.Quarters[1], f.Quarters[3]
			if f.Q2Median > 0 {
				f.Ratio = f.Q4Median / f.Q2Median
			}
		}
		out = append(out, f)
	}
	return out
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// WriteText prints the soak's figures, one line each.
func (r SoakReport) WriteText(w io.Writer) {
	fmt.Fprintf(w, "soak (daemon %s): %d ticks of %s, %d pipelines, chaos %g, %d seeded + %d new and as many deleted per tick per CRM, %.0f s\n",
		r.Mode, r.Ticks, r.Tick, r.Pipelines, r.Chaos, r.Leads, r.NewPerTick, r.Wall.Seconds())
	fmt.Fprintf(w, "runs: %d finished %v; %d records read, %d written\n", r.FinishedRuns(), r.Runs,
		r.RecordsRead, r.RecordsWritten)
	lines := r.LogLines["INFO"] + r.LogLines["WARN"] + r.LogLines["ERROR"]
	perRun := 0.0
	if n := r.FinishedRuns(); n > 0 {
		perRun = float64(lines) / float64(n)
	}
	fmt.Fprintf(w, "log lines at info and above: %d (%.2f per run) %v\n", lines, perRun, r.LogLines)
	fmt.Fprintf(w, "%-16s %10s %10s %10s %10s %10s %10s %8s\n", "figure (medians)", "first", "q1", "q2", "q3", "q4",
		"max", "q4/q2")
	for _, f := range r.Figures {
		name := f.Name
		if f.Unit != "" {
			name += " (" + f.Unit + ")"
		}
		fmt.Fprintf(w, "%-16s %10s %10s %10s %10s %10s %10s %8.3f\n", name, num(f.First), num(f.Quarters[0]),
			num(f.Quarters[1]), num(f.Quarters[2]), num(f.Quarters[3]), num(f.Max), f.Ratio)
	}
	fmt.Fprintf(w, "after shutdown: %d goroutines, %d fds, rss %.1f MiB\n", r.Final.Goroutines, r.Final.FDs, mib(r.Final.RSS))
}

func num(v float64) string {
	if v == float64(int64(v)) {
		return strconv.FormatInt(int64(v), 10)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}
