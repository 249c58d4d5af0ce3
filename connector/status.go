package connector

import (
	"context"
	"fmt"
	"time"

	"github.com/leadsync/leadsync/connector/cluster"
	"github.com/leadsync/leadsync/connector/config"
	"github.com/leadsync/leadsync/connector/observe"
	"github.com/leadsync/leadsync/connector/run"
	"github.com/leadsync/leadsync/connector/web"
	"github.com/leadsync/leadsync/state"
)

// Live is what only a running daemon knows about its pipelines.
type Live interface {
	NextRun(pipeline string) time.Time
	Running(pipeline string) bool
	Stopped(pipeline string) string // why the pipeline was stopped, "" while it runs
	Breakers() []web.BreakerView
	Reload() web.ReloadView
	// ClusterStatus is the cluster as this daemon's replica sees it (its own River
	// client); ok is false for a daemon that is no replica.
	ClusterStatus(ctx context.Context, limit int) (st ClusterStatus, ok bool, err error)
	// Subscriptions are the signal subscriptions' figures; nil when none are managed.
	Subscriptions() *web.SubscriptionsView
}

// Status reads what the status page and `leadsync status` show, from the store and,
// in the daemon, from the live engine: both print the same facts.
type Status struct {
	Config *config.Config
	Store  state.Inspector
	Live   Live // nil outside the daemon
	Now    func() time.Time
}

var _ web.Source = (*Status)(nil)

func (s *Status) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// Overview returns one view per configured pipeline and today's credits.
func (s *Status) Overview(ctx context.Context) (web.Overview, error) {
	now := s.now()
	day := now.Truncate(24 * time.Hour)
	var o web.Overview
	spent, err := s.Store.CreditsSpent(ctx, "", day)
	if err != nil {
		return o, err
	}
	o.Credits = web.CreditsView{SpentToday: spent, PerDay: s.Config.Lusha.Budget.CreditsPerDay,
		PerRun: s.Config.Lusha.Budget.CreditsPerRun}
	if o.CreditsByDay, err = s.Store.CreditsByDay(ctx, "", day.AddDate(0, 0, -(web.CreditDays-1))); err != nil {
		return o, err
	}
	var breakers []web.BreakerView
	if s.Live != nil {
		o.Reload = s.Live.Reload()
		breakers = s.Live.Breakers()
		o.Subscriptions = s.Live.Subscriptions()
	}
	for _, p := range s.Config.Pipelines {
		v, err := s.pipeline(ctx, p, now, day, breakers)
		if err != nil {
			return o, fmt.Errorf("pipeline %s: %w", p.Name, err)
		}
		o.Pipelines = append(o.Pipelines, v)
	}
	o.Cluster, err = s.cluster(ctx)
	return o, err
}

// cluster reads who leads the cluster and who ran its latest ticks, when the store is
// PostgreSQL: every replica's page (and `leadsync status`) shows the same cluster.
func (s *Status) cluster(ctx context.Context) (*web.ClusterView, error) {
	p, ok := s.Store.(pooled)
	if !ok {
		return nil, nil
	}
	st, ok, err := s.liveCluster(ctx)
	if err != nil {
		return nil, err
	}
	if !ok { // `leadsync status`, which is no replica: read the database
		if st.Leader, err = cluster.LeaderOf(ctx, p.Pool()); err != nil {
			return nil, err
		}
		if st.Ticks, err = cluster.TicksOf(ctx, p.Pool(), web.ClusterTicks); err != nil {
			return nil, err
		}
	}
	v := &web.ClusterView{Replica: st.Replica, Leader: st.Leader}
	for _, t := range st.Ticks {
		tv := web.TickView{Pipeline: t.Pipeline, State: t.State, Replica: t.Replica, Attempt: t.Attempt,
			ScheduledAt: t.ScheduledAt, FinalizedAt: t.FinalizedAt}
		if n := len(t.Errors); n > 0 {
			tv.Error = t.Errors[n-1]
		}
		v.Ticks = append(v.Ticks, tv)
	}
	return v, nil
}

// liveCluster is the running replica's view, through its own River client.
func (s *Status) liveCluster(ctx context.Context) (ClusterStatus, bool, error) {
	if s.Live == nil {
		return ClusterStatus{}, false, nil
	}
	return s.Live.ClusterStatus(ctx, web.ClusterTicks)
}

func (s *Status) pipeline(ctx context.Context, p config.Pipeline, now, day time.Time, breakers []web.BreakerView) (web.PipelineView, error) {
	v := web.PipelineView{Name: p.Name, CRM: p.CRM, Object: p.Object, Schedule: p.Schedule}
	st, err := s.Store.Stats(ctx, p.Name)
	if err != nil {
		return v, err
	}
	v.LastRun = st.LastRun
	if !st.CursorUpdatedAt.IsZero() {
		v.HasCursor, v.CursorLag = true, now.Sub(st.CursorUpdatedAt)
	}
	// Waiting records: deferred to a later run, or written with an unknown outcome
	// that the next run reads back.
	for _, status := range []string{state.StatusPending, state.StatusUnknown} {
		for _, n := range st.Records[status] {
			v.Queued += n
		}
	}
	v.ParkedByClass = st.Records[state.StatusParked]
	if v.CreditsToday, err = s.Store.CreditsSpent(ctx, p.Name, day); err != nil {
		return v, err
	}
	if v.FieldActions, err = s.Store.FieldActionsOf(ctx, p.Name, now.Add(-web.FillWindow)); err != nil {
		return v, err
	}
	if p.RefreshAfter > 0 {
		v.RefreshAfter, v.RefreshCreditsShare = p.RefreshAfter, s.Config.RefreshCredits()
		if v.RefreshCreditsToday, err = s.Store.CreditsSpentOn(ctx, run.RefreshCall, day); err != nil {
			return v, err
		}
	}
	switch {
	case s.Live != nil:
		v.NextRun, v.Running, v.Stopped = s.Live.NextRun(p.Name), s.Live.Running(p.Name), s.Live.Stopped(p.Name)
		v.Breakers = pipelineBreakers(breakers, p)
	case p.Disabled:
		v.Stopped = "disabled in the config"
	default:
		if sched, err := config.ParseSchedule(p.Schedule); err == nil {
			v.NextRun = sched.Next(now)
		}
	}
	return v, nil
}

// pipelineBreakers keeps the breakers of the accounts p uses, as connector/account
// names them: "lusha" and "crm <name>" of its CRM account. A company_record stage
// goes through the same two accounts, so it adds none.
func pipelineBreakers(all []web.BreakerView, p config.Pipeline) []web.BreakerView {
	var out []web.BreakerView
	for _, b := range all {
		if b.Name == "lusha" || b.Name == "crm "+p.CRM {
			out = append(out, b)
		}
	}
	return out
}

// Runs returns the runs started since a time, newest first.
func (s *Status) Runs(ctx context.Context, since time.Time) ([]state.Run, error) {
	runs, err := s.Store.Runs(ctx, "", 2000)
	if err != nil {
		return nil, err
	}
	out := runs[:0]
	for _, r := range runs {
		if !r.StartedAt.Before(since) {
			out = append(out, r)
		}
	}
	return out, nil
}

// Run returns one run and its field changes.
func (s *Status) Run(ctx context.Context, id string, maxChanges int) (web.RunView, error) {
	r, err := s.Store.Run(ctx, id)
	if err != nil {
		return web.RunView{}, err
	}
	changes, err := s.Store.Ledger(ctx, id, maxChanges)
	return web.RunView{Run: r, Changes: changes}, err
}

// Parked returns parked records, the next due first.
func (s *Status) Parked(ctx context.Context, pipeline string, limit int) ([]state.RecordState, error) {
	return s.Store.Parked(ctx, pipeline, limit)
}

// clusterFigures reads what every replica's /metrics shows of the whole cluster.
func clusterFigures(ctx context.Context, eng *Engine, p pooled, replica string) (observe.ClusterFigures, error) {
	f := observe.ClusterFigures{Replica: replica, Parked: map[string]map[string]int{}}
	var err error
	if f.Leader, err = cluster.LeaderOf(ctx, p.Pool()); err != nil {
		return f, err
	}
	if f.TickJobs, err = cluster.TickCounts(ctx, p.Pool()); err != nil {
		return f, err
	}
	if f.CreditsToday, err = eng.Store.CreditsSpent(ctx, "", time.Now().UTC().Truncate(24*time.Hour)); err != nil {
		return f, err
	}
	for _, pl := range eng.Pipelines {
		st, err := eng.Store.Stats(ctx, pl.Name)
		if err != nil {
			return f, err
		}
		f.Parked[pl.Name] = st.Records["parked"]
	}
	return f, nil
}
