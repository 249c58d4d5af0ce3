package connector

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/leadsync/leadsync/connector/observe"
	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/mapping"
	"github.com/leadsync/leadsync/state"
)

// Pipeline is one configured flow: records of one CRM object, one mapping.
type Pipeline struct {
	Name     string
	Object   string
	CRMName  string
	CRM      crm.Adapter
	Mapping  *mapping.Mapping
	Filter   crm.Filter
	CacheTTL time.Duration
	Schedule string
}

// Runner does one run of one pipeline (DESIGN §2). It is safe for concurrent runs of
// different pipelines.
type Runner struct {
	Store       state.Inspector
	Lusha       *Lusha
	Logger      *slog.Logger
	Now         func() time.Time
	Owner       string // lease owner: identifies this process
	NegativeTTL time.Duration
	LeaseTTL    time.Duration
	Retry       retryPolicy // for CRM calls
	// Stopping, when closed, ends runs after the page in hand (graceful shutdown).
	Stopping <-chan struct{}
	Metrics  *observe.Metrics // nil-safe
	// Progress, when set, is told after every page how far the run has come.
	Progress func(Progress)
}

// Progress is a run's position after a page, for a progress line.
type Progress struct {
	Pipeline string
	state.RunCounts
	Total   int // records the CRM expects in this read, -1 when unknown
	Elapsed time.Duration
}

// RunOptions change what a run may do.
type RunOptions struct {
	DryRun     bool // write nothing to the CRM, move no cursor (I4)
	Live       bool // with DryRun: buy missing answers (and cache them)
	MaxCredits int  // with Live: spend at most this many credits (0: the budgets alone)
	Limit      int  // stop after this many records (0: no limit); the cursor then stays
	// Remap applies the current mapping to every record with a cached answer, read
	// from the beginning without the pipeline filter; it buys nothing and moves no
	// cursor.
	Remap bool
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
	// FieldActions counts, per target field, the mapping's decisions (dry runs show
	// what a change would do before it touches the CRM).
	FieldActions map[string]map[mapping.Action]int `json:"field_actions,omitempty"`
	// MappingErrors are the mapping's problems against the CRM's live fields, each
	// with file:line:col.
	MappingErrors []string `json:"mapping_errors,omitempty"`
	// Changes is a dry run's plan, field by field (at most 20,000 lines; ChangesCut
	// counts the rest).
	Changes    []Change `json:"changes,omitempty"`
	ChangesCut int      `json:"changes_cut,omitempty"`
}

var errShutdown = &crm.Error{Service: "leadsync", Op: "run", Class: crm.ClassCanceled,
	Message: "stopped by shutdown after a whole page; the next run carries on"}

// Run statuses.
const (
	RunOK                  = "ok"
	RunPartial             = "partial"
	RunFailed              = "failed"
	RunCreditsExhausted    = "credits_exhausted"
	RunQuotaExhausted      = "quota_exhausted"
	RunUpstreamUnavailable = "upstream_unavailable"
)

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now().UTC()
	}
	return time.Now().UTC()
}

// Run does one run. The error is for failures outside the run's own summary (the
// state store failing); the summary says everything else.
func (r *Runner) Run(ctx context.Context, p *Pipeline, opts RunOptions) (Summary, error) {
	started := r.now()
	rn := &run{Runner: r, p: p, opts: opts, id: newRunID(started), log: r.Logger.With("pipeline", p.Name),
		started: started}
	rn.log = rn.log.With("run_id", rn.id)
	sum := Summary{Pipeline: p.Name, RunID: rn.id, DryRun: opts.DryRun}

	if !opts.DryRun {
		stop, err := r.holdLease(ctx, p.Name, rn.setStop)
		if err != nil {
			return sum, err
		}
		defer stop()
	}
	if err := r.Store.StartRun(ctx, state.Run{RunID: rn.id, Pipeline: p.Name, DryRun: opts.DryRun,
		Status: "running", StartedAt: started}); err != nil {
		return sum, fmt.Errorf("record run start: %w", err)
	}
	rn.accountLeft = -1
	if !opts.DryRun || opts.Live {
		rn.accountLeft = r.Lusha.CreditsLeft(ctx)
	}
	if !opts.DryRun {
		if _, err := r.Store.AbandonRuns(ctx, p.Name, started, "interrupted: the process stopped during the run"); err != nil {
			return sum, err
		}
	}
	stopErr := rn.loadSchema(ctx)
	if stopErr == nil {
		stopErr = rn.recoverWrites(ctx)
	}
	if stopErr == nil {
		stopErr = rn.retryDue(ctx)
	}
	if stopErr == nil {
		stopErr = rn.pages(ctx)
	}
	sum.RunCounts = rn.snapshot()
	sum.FieldActions = rn.actions
	sum.Changes, sum.ChangesCut = rn.changes, rn.changesCut
	for _, e := range rn.mappingErrs {
		sum.MappingErrors = append(sum.MappingErrors, e.Error())
	}
	sum.Status = runStatus(stopErr, sum.RunCounts)
	if stopErr != nil {
		sum.Error, sum.StopClass = stopErr.Error(), crm.ClassOf(stopErr)
	}
	finished := r.now()
	sum.DurationMS = finished.Sub(started).Milliseconds()
	rn.log.Info("run finished", "status", sum.Status, "read", sum.RecordsRead,
		"enriched", sum.RecordsEnriched, "written", sum.RecordsWritten, "credits", sum.CreditsSpent)
	if !opts.DryRun {
		r.Metrics.RunFinished(p.Name, sum.Status, sum.RunCounts, finished.Sub(started), finished)
		// Bought answers are personal data: they go when their TTL ends.
		if n, err := r.Store.PurgeExpired(context.WithoutCancel(ctx), finished); err != nil {
			rn.log.Warn("could not purge expired answers", "err", err)
		} else if n > 0 {
			rn.log.Debug("purged expired answers", "count", n)
		}
	}
	// The run's record must survive a cancelled context (shutdown).
	saveCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	err := r.Store.FinishRun(saveCtx, state.Run{RunID: rn.id, Pipeline: p.Name, DryRun: opts.DryRun,
		Status: sum.Status, StartedAt: started, FinishedAt: finished, Error: sum.Error, Counts: sum.RunCounts})
	if err != nil {
		return sum, fmt.Errorf("record run end: %w", err)
	}
	return sum, nil
}

func runStatus(stop error, c state.RunCounts) string {
	switch crm.ClassOf(stop) {
	case crm.ClassNone:
		if c.RecordsFailed > 0 {
			return RunPartial
		}
		return RunOK
	case crm.ClassCredits:
		return RunCreditsExhausted
	case crm.ClassQuotaExhausted:
		return RunQuotaExhausted
	case crm.ClassUnavailable, crm.ClassRateLimited:
		return RunUpstreamUnavailable
	case crm.ClassCanceled:
		return RunPartial
	}
	return RunFailed
}

// holdLease takes the pipeline's lease and renews it until stop is called.
// If the lease is lost (it expired during a stall and another process took it), lost
// is told, and the run ends after the page in hand rather than run beside the other.
func (r *Runner) holdLease(ctx context.Context, pipeline string, lost func(error)) (stop func(), err error) {
	ttl := r.LeaseTTL
	if ttl <= 0 {
		ttl = 2 * time.Minute
	}
	if err := r.Store.AcquireLease(ctx, pipeline, r.Owner, ttl); err != nil {
		return nil, fmt.Errorf("pipeline %s: %w", pipeline, err)
	}
	renewCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(ttl / 3)
		defer t.Stop()
		for {
			select {
			case <-renewCtx.Done():
				return
			case <-t.C:
				err := r.Store.AcquireLease(renewCtx, pipeline, r.Owner, ttl)
				switch {
				case errors.Is(err, state.ErrLeaseHeld):
					lost(&crm.Error{Service: "leadsync", Op: "lease", Class: crm.ClassConflict,
						Message: "another process took this pipeline's lease; stopping"})
					return
				case err != nil && renewCtx.Err() == nil:
					r.Logger.Warn("lease renewal failed", "pipeline", pipeline, "err", err)
				}
			}
		}
	}()
	return func() {
		cancel()
		<-done
		relCtx, relCancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer relCancel()
		if err := r.Store.ReleaseLease(relCtx, pipeline, r.Owner); err != nil {
			r.Logger.Warn("lease release failed", "pipeline", pipeline, "err", err)
		}
	}, nil
}

func newRunID(t time.Time) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return t.Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

// run is the state of one run in progress.
type run struct {
	*Runner
	p    *Pipeline
	opts RunOptions
	id   string
	log  *slog.Logger
	// mu guards counts and stop: the read, enrich and write stages run concurrently.
	mu      sync.Mutex
	counts  state.RunCounts
	actions map[string]map[mapping.Action]int // enrich stage only
	// stop is the first error that made records wait (credits, quota, outage); the
	// run ends after the page in which it happened is recorded. crmStop is the
	// subset raised by the CRM, which also holds back writes.
	stop, crmStop error
	// heldBack is set once a page could not advance the cursor: no later page may.
	heldBack bool
	// restricted are identity keys to suppress with the next persisted answers.
	restricted []string
	started    time.Time
	// accountLeft is the Lusha account's credit balance at the start (-1: unknown).
	accountLeft int64
	// schema is the object's live fields (nil when they could not be read);
	// mappingErrs and badFields are what the mapping asks that the CRM refuses.
	schema      *crm.Schema
	mappingErrs mapping.Errors
	badFields   map[string]string
	// changes is a dry run's plan.
	changes    []Change
	changesCut int
}

// pages reads the change stream and handles it page by page. It returns the error that
// ended the run early, nil when the stream was read to its end.
func (rn *run) pages(ctx context.Context) error {
	cursor, err := rn.Store.Cursor(ctx, rn.p.Name)
	if err != nil {
		return err
	}
	if rn.opts.Remap {
		cursor = ""
	}
	attempt := 0
	for {
		resumeAt, done, err := rn.readFrom(ctx, crm.Cursor(cursor))
		if done {
			return err
		}
		if string(resumeAt) != cursor {
			attempt = 0 // the read made progress: count failures afresh
		}
		// The stream broke off: retry it from the last page handled, as the CRM
		// classes allow; the connector owns this retry, not the adapter.
		attempt++
		cursor = string(resumeAt)
		class := crm.ClassOf(err)
		if (class != crm.ClassRateLimited && class != crm.ClassUnavailable) || attempt >= rn.Retry.UnavailableAttempts {
			return err
		}
		wait := crm.RetryAfter(err)
		if wait <= 0 {
			wait = rn.Retry.backoff(attempt - 1)
		}
		rn.log.Warn("CRM read failed, retrying", "class", class, "wait", wait, "err", err)
		if rn.Retry.Sleep(ctx, wait) != nil {
			return err
		}
	}
}

// readFrom reads from cursor until the end, a stop, or a read error. done is false
// only for a read error that may be retried from resumeAt.
//
// Three stages overlap (DESIGN §2): one goroutine reads pages, one plans, enriches
// and maps them, and this one writes and records them in order, so the slowest API's
// rate limit is the only bound. The cursor still advances page by page, in order,
// only over pages whose records are all settled.
func (rn *run) readFrom(ctx context.Context, cursor crm.Cursor) (resumeAt crm.Cursor, done bool, err error) {
	req := crm.ChangesRequest{Object: rn.p.Object, Since: cursor, Fields: rn.readFields(), Filter: rn.filter(),
		PageSize: pageSize}
	resumeAt = cursor
	readCtx, cancelRead := context.WithCancel(ctx)
	defer cancelRead()
	quit := make(chan struct{})
	halt := sync.OnceFunc(func() { close(quit); cancelRead() })
	pages := make(chan crm.Page, 1)
	prepared := make(chan *work, 1)
	var readErr, prepErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(pages)
		for pg, err := range rn.p.CRM.Changes(readCtx, req) {
			rn.Metrics.CallFinished(rn.p.CRMName, string(crm.ClassOf(err)))
			if err != nil {
				readErr = err
				return
			}
			select {
			case pages <- pg:
			case <-quit:
				return
			}
		}
	})
	wg.Go(func() {
		defer close(prepared)
		for pg := range pages {
			// The enrich stage works on ctx, not readCtx: a page it has started is
			// finished and its answers persisted even when the run stops meanwhile.
			w, err := rn.prepare(ctx, pg, false)
			if err != nil {
				prepErr = err
				halt()
				return
			}
			select {
			case prepared <- w:
			case <-quit:
				return
			}
			if w.reached || rn.stopErr() != nil {
				halt()
				return
			}
		}
	})
	defer wg.Wait()
	defer halt()
	for w := range prepared {
		more, err := rn.finish(ctx, w)
		if err != nil {
			return resumeAt, true, err
		}
		if !more {
			return resumeAt, true, nil // --limit reached
		}
		resumeAt = w.pg.Next
		select {
		case <-rn.Stopping:
			return resumeAt, true, errShutdown
		default:
		}
	}
	wg.Wait()
	switch {
	case prepErr != nil:
		return resumeAt, true, prepErr
	case readErr != nil && (errors.Is(readErr, context.Canceled) || ctx.Err() != nil):
		return resumeAt, true, ctx.Err()
	case readErr != nil:
		return resumeAt, false, readErr
	}
	return resumeAt, true, nil
}

// pageSize is how many records a page holds: HubSpot's search maximum, and small
// enough that a page in each of the three stages keeps memory flat.
const pageSize = 200

// filter is the pipeline's filter, except for a remap, which revisits every record.
func (rn *run) filter() crm.Filter {
	if rn.opts.Remap {
		return crm.Filter{}
	}
	return rn.p.Filter
}

// readFields is what the read asks for: identity, filter and every target field, so
// that the plan knows what is already filled.
func (rn *run) readFields() []string {
	seen := map[string]bool{}
	var fs []string
	add := func(names ...string) {
		for _, n := range names {
			if n != "" && !seen[n] {
				seen[n] = true
				fs = append(fs, n)
			}
		}
	}
	add(rn.p.Mapping.MatchFields()...)
	add(rn.p.Mapping.TargetFields()...)
	add(rn.p.Filter.Missing...)
	add(slices.Sorted(maps.Keys(rn.p.Filter.Equals))...)
	return fs
}

// count updates the run's counts; the stages run concurrently.
func (rn *run) count(f func(c *state.RunCounts)) {
	rn.mu.Lock()
	defer rn.mu.Unlock()
	f(&rn.counts)
}

func (rn *run) snapshot() state.RunCounts {
	rn.mu.Lock()
	defer rn.mu.Unlock()
	return rn.counts
}

// stopErr is the error that makes the run end after the page in hand, if any.
func (rn *run) stopErr() error {
	rn.mu.Lock()
	defer rn.mu.Unlock()
	return rn.stop
}

func (rn *run) setStop(err error) {
	rn.mu.Lock()
	defer rn.mu.Unlock()
	if rn.stop == nil {
		rn.stop = err
	}
}

func (rn *run) setCRMStop(err error) {
	rn.mu.Lock()
	defer rn.mu.Unlock()
	if rn.crmStop == nil {
		rn.crmStop = err
	}
}

func (rn *run) crmStopErr() error {
	rn.mu.Lock()
	defer rn.mu.Unlock()
	return rn.crmStop
}
