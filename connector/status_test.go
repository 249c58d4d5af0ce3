package connector

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/leadsync/leadsync/connector/config"
	"github.com/leadsync/leadsync/connector/web"
	"github.com/leadsync/leadsync/state"
)

type fakeLive struct{ breakers []web.BreakerView }

func (fakeLive) NextRun(string) time.Time      { return time.Time{} }
func (fakeLive) Running(string) bool           { return false }
func (fakeLive) Stopped(string) string         { return "" }
func (f fakeLive) Breakers() []web.BreakerView { return f.breakers }
func (fakeLive) Reload() web.ReloadView        { return web.ReloadView{} }
func (fakeLive) ClusterStatus(context.Context, int) (ClusterStatus, bool, error) {
	return ClusterStatus{}, false, nil
}

func (fakeLive) Subscriptions() *web.SubscriptionsView { return nil }

// TestStatusPerPipeline: each pipeline shows only the breakers of the accounts it
// uses (Lusha and its CRM account), its field actions of the fill window, and the
// overview the credits per day.
func TestStatusPerPipeline(t *testing.T) {
	ctx := t.Context()
	now := time.Date(2026, 12, 5, 15, 0, 0, 0, time.UTC)
	store, err := state.Open(ctx, filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	run := func(id, pipeline string, started time.Time, fa state.FieldActions) {
		t.Helper()
		r := state.Run{RunID: id, Pipeline: pipeline, Status: "running", StartedAt: started}
		if err := store.StartRun(ctx, r); err != nil {
			t.Fatal(err)
		}
		r.Status, r.FinishedAt, r.FieldActions = "ok", started.Add(time.Minute), fa
		if err := store.FinishRun(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	run("a1", "contacts", now.Add(-time.Hour), state.FieldActions{"jobtitle": {"write": 2, "keep_filled": 1}})
	run("a0", "contacts", now.Add(-40*24*time.Hour), state.FieldActions{"jobtitle": {"write": 50}}) // too old
	run("b1", "leads", now.Add(-time.Hour), state.FieldActions{"Title": {"no_value": 4}})
	if err := store.SaveEnrichments(ctx, state.Spend{Pipeline: "contacts", RunID: "x", Call: "contacts/enrich (refresh)",
		Credits: 2, At: now.Add(-time.Hour)}, nil); err != nil {
		t.Fatal(err)
	}
	for _, sp := range []state.Spend{{Pipeline: "contacts", Credits: 1, At: now.Add(-time.Hour)},
		{Pipeline: "leads", Credits: 4, At: now.Add(-26 * time.Hour)},
		{Pipeline: "leads", Credits: 9, At: now.Add(-31 * 24 * time.Hour)}} { // before the 30 days
		sp.RunID, sp.Call = "x", "contacts/search"
		if err := store.SaveEnrichments(ctx, sp, nil); err != nil {
			t.Fatal(err)
		}
	}
	cfg := &config.Config{Pipelines: []config.Pipeline{
		{Name: "contacts", CRM: "hs", Object: "contacts", Schedule: "@every 5m",
			CompanyRecord: &config.CompanyRecord{Write: true}, RefreshAfter: 2160 * time.Hour},
		{Name: "leads", CRM: "sf", Object: "Lead", Schedule: "@hourly"},
	}}
	cfg.Lusha.Budget = config.Budget{CreditsPerDay: 100, RefreshShare: 0.25}
	live := fakeLive{breakers: []web.BreakerView{{Name: "crm hs", State: "open"}, {Name: "crm other", State: "closed"},
		{Name: "crm sf", State: "half-open"}, {Name: "lusha", State: "closed"}}}
	st := &Status{Config: cfg, Store: store, Live: live, Now: func() time.Time { return now }}
	ov, err := st.Overview(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantBreakers := map[string][]web.BreakerView{
		"contacts": {{Name: "crm hs", State: "open"}, {Name: "lusha", State: "closed"}},
		"leads":    {{Name: "crm sf", State: "half-open"}, {Name: "lusha", State: "closed"}},
	}
	wantActions := map[string]state.FieldActions{
		"contacts": {"jobtitle": {"write": 2, "keep_filled": 1}},
		"leads":    {"Title": {"no_value": 4}},
	}
	for _, p := range ov.Pipelines {
		if d := cmp.Diff(wantBreakers[p.Name], p.Breakers); d != "" {
			t.Errorf("%s breakers (-want +got):\n%s", p.Name, d)
		}
		if d := cmp.Diff(wantActions[p.Name], p.FieldActions); d != "" {
			t.Errorf("%s field actions (-want +got):\n%s", p.Name, d)
		}
		refresh := [3]int{int(p.RefreshAfter.Hours()), p.RefreshCreditsToday, p.RefreshCreditsShare}
		if want := map[string][3]int{"contacts": {2160, 2, 25}}[p.Name]; refresh != want {
			t.Errorf("%s refresh (after hours, credits today, share) = %v; want %v", p.Name, refresh, want)
		}
	}
	day := now.Truncate(24 * time.Hour)
	wantDays := []state.DayCredits{{Day: day.AddDate(0, 0, -1), Credits: 4}, {Day: day, Credits: 3}}
	if d := cmp.Diff(wantDays, ov.CreditsByDay); d != "" {
		t.Errorf("credits by day (-want +got):\n%s", d)
	}
}
