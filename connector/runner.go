package connector

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/leadsync/leadsync/connector/account"
	"github.com/leadsync/leadsync/connector/run"
	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/lusha"
)

// Runner runs pipelines through the process's accounts: a run leases the Lusha account
// and its pipeline's CRM account for its whole length, so that a reload never changes
// them under it and never runs two clients of one upstream side by side.
type Runner struct {
	run.Runner // everything but Lusha, which each run leases
	engine     *Engine
	// DeletedEvery spaces the deletion passes of a pipeline (run.DropDeleted); 0 is
	// run.DefaultDeletedEvery.
	DeletedEvery time.Duration
}

// Run does one run of p (see run.Runner.Run). A pipeline whose CRM is set (tests that
// wrap the adapter) uses it; otherwise it uses its leased CRM account.
func (r *Runner) Run(ctx context.Context, p *Pipeline, opts RunOptions) (Summary, error) {
	var crms []string
	if p.CRM == nil {
		crms = append(crms, p.Account)
	}
	lease, err := r.engine.Accounts.Use(ctx, crms...)
	if err != nil {
		return Summary{Pipeline: p.Name, DryRun: opts.DryRun}, fmt.Errorf("pipeline %s: %w", p.Name, err)
	}
	defer lease.Release()
	// Estimates and budgets use the account's prices: learn them before the first run
	// (free; later usage answers keep them current).
	lease.Lusha.LearnPricing(ctx)
	rr := r.Runner
	rr.Lusha = lushaAccount{lease.Lusha}
	leased := *p
	if leased.CRM == nil {
		leased.CRM = lease.CRM(p.Account)
	}
	sum, err := rr.Run(ctx, &leased, opts)
	if err == nil && !opts.DryRun && opts.Signal == nil && sum.StopClass == crm.ClassNone {
		r.dropDeleted(ctx, &leased)
	}
	return sum, err
}

// dropDeleted drops, after a run and under the same account lease, the state of the
// records the CRM deleted since the last pass (run.DropDeleted). A failure is logged:
// the next tick's pass reads the feed again from the same checkpoint.
func (r *Runner) dropDeleted(ctx context.Context, p *Pipeline) {
	select {
	case <-r.Stopping:
		return
	default:
	}
	if _, err := r.DropDeleted(ctx, p, r.DeletedEvery); err != nil && ctx.Err() == nil {
		r.Logger.Warn("dropping the state of records deleted in the CRM failed", "pipeline", p.Name, "err", err)
	}
}

// processStart is when this process started, the third part of its owners.
var processStart = sync.OnceValue(func() int64 { return time.Now().UnixNano() })

// engines numbers the engines this process opened (a reload opens one).
var engines atomic.Int64

// newOwner names an engine of this process in leases and claims:
// "host/pid/start/engine". Each engine's is its own, so that runs of two engines
// (the one a reload replaced, still finishing) never share a lease.
func newOwner() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s/%d/%d/%d", host, os.Getpid(), processStart(), engines.Add(1))
}

// ownerAlive says whether a lease owner ("host/pid/start/…") may still run: a process
// of another host is assumed alive (its lease is waited out); one of this host is
// alive while its pid is. An owner of our pid is alive when it is of this life (its
// start is ours: another engine or run of this process) and dead when it is a
// previous life's (a container's pid 1 again after a restart).
func ownerAlive(owner string) bool {
	parts := strings.Split(owner, "/")
	if len(parts) < 3 {
		return true
	}
	host, _ := os.Hostname()
	pid, err := strconv.Atoi(parts[1])
	if parts[0] != host || err != nil || pid <= 0 {
		return true
	}
	if pid == os.Getpid() {
		return parts[2] == strconv.FormatInt(processStart(), 10)
	}
	return syscall.Kill(pid, 0) != syscall.ESRCH
}

// lushaAccount lets a run buy through the process's Lusha account: its limiter,
// breaker, retries, budget and single flight.
type lushaAccount struct{ acct *account.Lusha }

var _ run.Lusha = lushaAccount{}

// via makes one call of the Lusha client through the account (method is a method
// expression such as (*lusha.Client).SearchContacts).
func via[Req, Resp any](ctx context.Context, acct *account.Lusha, req Req,
	method func(*lusha.Client, context.Context, Req) (Resp, *lusha.Response, error)) (Resp, error) {
	return account.Call(ctx, acct, func(ctx context.Context, c *lusha.Client) (Resp, *lusha.Response, error) {
		return method(c, ctx, req)
	})
}

func (l lushaAccount) SearchContacts(ctx context.Context, req lusha.ContactsSearchRequest) (*lusha.ContactsSearchResponse, error) {
	return via(ctx, l.acct, req, (*lusha.Client).SearchContacts)
}

func (l lushaAccount) SearchAndEnrichContacts(ctx context.Context, req lusha.ContactsSearchAndEnrichRequest) (*lusha.ContactsSearchAndEnrichResponse, error) {
	return via(ctx, l.acct, req, (*lusha.Client).SearchAndEnrichContacts)
}

func (l lushaAccount) EnrichContacts(ctx context.Context, req lusha.ContactsEnrichRequest) (*lusha.ContactsEnrichResponse, error) {
	return via(ctx, l.acct, req, (*lusha.Client).EnrichContacts)
}

func (l lushaAccount) EnrichCompanies(ctx context.Context, req lusha.CompaniesEnrichRequest) (*lusha.CompaniesEnrichResponse, error) {
	return via(ctx, l.acct, req, (*lusha.Client).EnrichCompanies)
}

func (l lushaAccount) SearchCompanies(ctx context.Context, req lusha.CompaniesSearchRequest) (*lusha.CompaniesSearchResponse, error) {
	return via(ctx, l.acct, req, (*lusha.Client).SearchCompanies)
}

func (l lushaAccount) SearchAndEnrichCompanies(ctx context.Context, req lusha.CompaniesSearchAndEnrichRequest) (*lusha.CompaniesSearchAndEnrichResponse, error) {
	return via(ctx, l.acct, req, (*lusha.Client).SearchAndEnrichCompanies)
}

func (l lushaAccount) ContactsJob(ctx context.Context, jobID string) (*lusha.ContactsJob, error) {
	return via(ctx, l.acct, jobID, (*lusha.Client).ContactsJob)
}

func (l lushaAccount) Reserve(ctx context.Context, runSpent, want int, now time.Time) (int, func(), error) {
	return l.acct.Reserve(ctx, runSpent, want, now)
}

func (l lushaAccount) CreditsLeft(ctx context.Context) int64 { return l.acct.CreditsLeft(ctx) }

func (l lushaAccount) Pricing() lusha.Pricing { return l.acct.Pricing() }

func (l lushaAccount) Claim(ctx context.Context, keys []string) (run.Claim, error) {
	c, err := l.acct.Claim(ctx, keys)
	if err != nil {
		return nil, err
	}
	return flight{c}, nil
}

func (l lushaAccount) Wait(ctx context.Context, keys []string) error { return l.acct.Wait(ctx, keys) }

// flight is an account's claim as a run sees it.
type flight struct{ c *account.Claim }

func (f flight) Mine() []string         { return f.c.Mine }
func (f flight) Others() []string       { return f.c.Others }
func (f flight) Release(keys ...string) { f.c.Release(keys...) }
func (f flight) Context(ctx context.Context) (context.Context, context.CancelFunc) {
	return f.c.Context(ctx)
}
