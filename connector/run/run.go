// Package run does one run of one pipeline (DESIGN §2, §9b): stages that own their
// records, one status per record, one committer that alone moves the cursor.
package run

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"time"

	"github.com/leadsync/leadsync/connector/observe"
	"github.com/leadsync/leadsync/connector/react"
	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/mapping"
	"github.com/leadsync/leadsync/state"
)

// Pipeline is one configured flow: records of one object of one CRM account, one
// mapping.
type Pipeline struct {
	Name     string
	Object   string
	Account  string // the CRM account's name: record state, ledger and ownership carry it
	CRM      CRM
	Mapping  *mapping.Mapping
	Filter   crm.Filter
	CacheTTL time.Duration
	Schedule string
	// Companies, on a people pipeline, also writes each person's company record
	// (company_record); nil: off.
	Companies *CompanyRecord
	// Refresh, on a people pipeline, enriches again the records whose last
	// enrichment is older than refresh_after (refresh.go); nil: off.
	Refresh *Refresh
}

// Runner does runs. It is safe for concurrent runs of different pipelines; the lease
// keeps one pipeline to one run at a time, across processes.
type Runner struct {
	Store       Store
	Lusha       Lusha
	Logger      *slog.Logger
	Now         func() time.Time
	Owner       string // lease owner: identifies this process (host/pid/start)
	NegativeTTL time.Duration
	LeaseTTL    time.Duration
	Retry       react.Policy // for CRM calls
	// Stopping, when closed, ends runs after the page in hand (graceful shutdown).
	Stopping <-chan struct{}
	Metrics  *observe.Metrics // nil-safe
	// Progress, when set, is told after every page how far the run has come.
	Progress func(Progress)
	// Alive reports whether a lease owner's process still runs; a lease whose owner is
	// dead is taken at once instead of waited out. Nil: leases are waited out.
	Alive func(owner string) bool
	// History, when set, prunes the state after runs (history.go).
	History *History
}

// Progress is a run's position after a page, for a progress line.
type Progress struct {
	Pipeline string
	state.RunCounts
	Total   int // records the CRM expects in this read, -1 when unknown
	Elapsed time.Duration
}

// Options change what a run may do.
type Options struct {
	DryRun     bool // write nothing to the CRM, move no cursor (I4)
	Live       bool // with DryRun: buy missing answers (and cache them)
	MaxCredits int  // with Live: spend at most this many credits (0: the budgets alone)
	Limit      int  // stop after this many records (0: no limit); the cursor then stays
	// Remap applies the current mapping to every record with a cached answer, read
	// from the beginning without the pipeline filter; it buys nothing and moves no
	// cursor.
	Remap bool
	// Owner, when set, holds this run's lease instead of Runner.Owner: a cluster's
	// worker owns the lease as its job's attempt, so that a newer attempt can fence it.
	Owner string
	// Signal, when set, makes the run act on one Lusha signal (signal.go) instead
	// of reading the change stream.
	Signal *Signal
	// Finish, when set, stores the run's end instead of Store.FinishRun: a cluster
	// stores it in the transaction that completes the run's job.
	Finish func(ctx context.Context, r state.Run) error
}

// Summary is a run's outcome, printed by `leadsync sync --json` (DESIGN §6).
type Summary struct {
	Pipeline string `json:"pipeline"`
	RunID    string `json:"run_id"`
	Status   string `json:"status"`
	DryRun   bool   `json:"dry_run"`
	state.RunCounts
	DurationMS int64  `json:"duration_ms"`
	Error      string `json:"error,omitempty"`
	// StopClass is the class of the error that ended the run early, if any.
	StopClass crm.Class `json:"stop_class,omitempty"`
	// FieldActions counts, per target field, the mapping's decisions.
	FieldActions map[string]map[mapping.Action]int `json:"field_actions,omitempty"`
	// MappingErrors are the mapping's problems against the CRM's live fields.
	MappingErrors []string `json:"mapping_errors,omitempty"`
	// Changes is a dry run's plan, field by field (at most maxChanges lines;
	// ChangesCut counts the rest).
	Changes    []Change `json:"changes,omitempty"`
	ChangesCut int      `json:"changes_cut,omitempty"`
	// Companies is what the run did to its people's company records (company_record).
	Companies *CompanySummary `json:"companies,omitempty"`
	// Refreshed counts the people the run enriched again for the pipeline's
	// refresh_after.
	Refreshed int `json:"refreshed,omitempty"`
}

var errShutdown = &crm.Error{Service: "leadsync", Op: "run", Class: crm.ClassCanceled,
	Message: "stopped by shutdown after a whole page; the next run carries on"}

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now().UTC()
	}
	return time.Now().UTC()
}

func newRunID(t time.Time) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return t.Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

// Run does one run. The error is for failures outside the run's own summary (the
// lease held elsewhere, the state store failing); the summary says everything else.
func (r *Runner) Run(ctx context.Context, p *Pipeline, opts Options) (Summary, error) {
	started := r.now()
	rn := newRun(r, forSignal(p, opts.Signal), opts, started)
	if opts.Signal != nil {
		rn.signalOnly = signalOnly(rn.readFields(), (&run{p: p}).readFields())
	}
	sum := Summary{Pipeline: p.Name, RunID: rn.id, DryRun: opts.DryRun}
	if !opts.DryRun {
		held, err := r.holdLease(ctx, p.Name, rn.leaseOwner())
		if err != nil {
			return sum, err
		}
		defer held.release()
		rn.lease = held
	}
	defer rn.companyEnd()
	if err := r.Store.StartRun(ctx, state.Run{RunID: rn.id, Pipeline: p.Name, DryRun: opts.DryRun,
		Status: "running", StartedAt: started, Runner: rn.leaseOwner()}); err != nil {
		return sum, fmt.Errorf("record run start: %w", err)
	}
	stop, err := rn.do(ctx)
	return r.finish(ctx, rn, sum, stop, err)
}

// do runs the stages in order: the schema check, the read-back of unknown writes, the
// retry queue, then the change stream. It returns the reason the run ended early.
func (rn *run) do(ctx context.Context) (stop, err error) {
	if !rn.opts.DryRun {
		if _, err := rn.Store.AbandonRuns(ctx, rn.p.Name, rn.started, "interrupted: the process stopped during the run"); err != nil {
			return nil, err
		}
		if _, err := rn.Store.AssignAccount(ctx, rn.p.Name, rn.p.Account); err != nil {
			return nil, err
		}
	}
	if !rn.opts.DryRun || rn.opts.Live {
		rn.accountLeft = rn.Lusha.CreditsLeft(ctx)
	}
	steps := []func(context.Context) (error, error){rn.loadSchema, rn.companyStart, rn.recoverWrites, rn.retryDue, rn.stream, rn.refresh}
	if rn.opts.Signal != nil {
		steps = []func(context.Context) (error, error){rn.loadSchema, rn.recoverWrites, rn.actOnSignal}
	}
	for _, step := range steps {
		if stop, err = step(ctx); stop != nil || err != nil {
			return stop, err
		}
	}
	return nil, nil
}

func (r *Runner) finish(ctx context.Context, rn *run, sum Summary, stop, runErr error) (Summary, error) {
	sum.RunCounts = rn.counts
	sum.Refreshed = rn.refreshed
	sum.FieldActions = rn.dry.actions
	sum.Changes, sum.ChangesCut = rn.dry.changes, rn.dry.cut
	for _, e := range rn.dry.mappingErrs {
		sum.MappingErrors = append(sum.MappingErrors, e.Error())
	}
	rn.companySummary(&sum)
	if runErr != nil && stop == nil {
		stop = runErr
	}
	sum.Status = react.RunStatus(stop, sum.RecordsFailed)
	if runErr != nil {
		sum.Status = react.StatusFailed
	}
	if stop != nil {
		sum.Error, sum.StopClass = stop.Error(), crm.ClassOf(stop)
	}
	finished := r.now()
	sum.DurationMS = finished.Sub(rn.started).Milliseconds()
	rn.log.Info("run finished", "status", sum.Status, "read", sum.RecordsRead,
		"enriched", sum.RecordsEnriched, "written", sum.RecordsWritten, "credits", sum.CreditsSpent,
		"refreshed", sum.Refreshed)
	// The run's record must survive a cancelled context (shutdown).
	saveCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if !rn.opts.DryRun {
		r.Metrics.RunFinished(rn.p.Name, sum.Status, sum.RunCounts, finished.Sub(rn.started), finished)
		if sum.Refreshed > 0 {
			r.Metrics.RecordsRefreshed(rn.p.Name, "schedule", sum.Refreshed)
		}
		// Bought answers are personal data: they go when their TTL ends.
		if n, err := r.Store.PurgeExpired(saveCtx, finished); err != nil {
			rn.log.Warn("could not purge expired answers", "err", err)
		} else if n > 0 {
			rn.log.Debug("purged expired answers", "count", n)
		}
	}
	end := state.Run{RunID: rn.id, Pipeline: rn.p.Name, DryRun: rn.opts.DryRun,
		Status: sum.Status, StartedAt: rn.started, FinishedAt: finished, Error: sum.Error, Counts: sum.RunCounts,
		FieldActions: state.ActionCounts(sum.FieldActions)}
	store := r.Store.FinishRun
	if rn.opts.Finish != nil {
		store = rn.opts.Finish
	}
	if err := store(saveCtx, end); err != nil {
		return sum, fmt.Errorf("record run end: %w", err)
	}
	rn.prune(ctx, finished)
	return sum, runErr
}

// run is one run in progress. Its fields are owned by one stage each: the enrich
// stage (read, spent, dry), the committer (counts); the rest is set before the stages
// start and only read after.
type run struct {
	*Runner
	p       *Pipeline
	opts    Options
	id      string
	log     *slog.Logger
	started time.Time
	lease   *heldLease // nil in a dry run
	// accountLeft is the Lusha account's credit balance at the start (-1: unknown).
	accountLeft int64
	// schema is the object's live fields (nil when they could not be read); badFields
	// are the fields the mapping writes that the CRM refuses, with the reason.
	schema    *crm.Schema
	badFields map[string]string

	read  int // records read so far (--limit), by the enrich stage
	spent int // credits spent so far, by the enrich stage
	dry   dryRun
	// counts is the run's summary, kept by the committer.
	counts state.RunCounts
	// co is the company-record stage (company_record), nil when the pipeline has none.
	co *companyRun
	// signalOnly are the fields a signal's run reads that the pipeline's runs do
	// not: left out of the records' digests (signal.go).
	signalOnly []string
	// refreshing is the refresh step in progress (refresh.go), nil before and after;
	// refreshed counts the people it enriched again.
	refreshing *refreshing
	refreshed  int
}

// leaseOwner is who holds this run's leases. A signal's run is not the pipeline's
// scheduled run of this process: it must find that run's lease held (and wait for
// a later pass), not take it over as the same owner would.
func (rn *run) leaseOwner() string {
	if rn.opts.Owner == "" && rn.opts.Signal != nil {
		return rn.Owner + "/signal"
	}
	return cmp.Or(rn.opts.Owner, rn.Owner)
}

func newRun(r *Runner, p *Pipeline, opts Options, started time.Time) *run {
	id := newRunID(started)
	return &run{Runner: r, p: p, opts: opts, id: id, started: started, accountLeft: -1,
		log: r.Logger.With("pipeline", p.Name, "run_id", id)}
}
