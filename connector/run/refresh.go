package run

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/leadsync/leadsync/lusha"
	"github.com/leadsync/leadsync/state"
)

// Refresh is a people pipeline's scheduled refresh (refresh_after): after the
// change stream, a run enriches again the records whose last enrichment is older
// than After, by the Lusha id it already knows. It never searches (a search costs
// credits even when nothing changed): an enrich of data points the account
// revealed before is free (canReveal credits 0), so a person whose data did not
// change costs nothing, and credits go only to data points Lusha has and the
// account never bought (a new phone, a person found again after their answer
// expired). Changed values are written under each field's policy.
type Refresh struct {
	After time.Duration
	// PerDay is the most credits the refreshes of every pipeline may spend in a UTC
	// day: a share of the daily budget, which bounds them too.
	PerDay int
	// Max is the most records one run refreshes (0: DefaultRefreshMax).
	Max int
}

// DefaultRefreshMax keeps a run's refresh to a few calls, so that a backlog (the
// first refresh_after after an import) spreads over many ticks.
const DefaultRefreshMax = 500

// RefreshCall ends the call names of the spend rows of refreshes: their share of
// the day's budget is summed from them.
const RefreshCall = " (refresh)"

// refreshing is the refresh step in progress, or a signal's run (fromStale),
// which enriches by id too but within the budgets alone.
type refreshing struct {
	cutoff time.Time
	due    map[string]dueRecord
	left   int // credits the day's share still allows
	// fromStale takes the records' people from their stale cached answers (a
	// signal's run) instead of from due; their spend is not the refresh share's.
	fromStale bool
}

// shared says whether the step spends the refresh share: a scheduled refresh.
func (rf *refreshing) shared() bool { return rf != nil && !rf.fromStale }

// dueRecord is a record a refresh took, and whether the share let it buy data
// points the account is not known to own (else it re-reveals the owned ones only).
type dueRecord struct {
	state.Due
	freeOnly bool
}

// candidatesPerRefresh is how many due records a refresh looks at for each one it
// may take: records the share cannot pay for, and that own nothing to re-reveal
// for free, are passed over, and must not keep the free ones behind them waiting.
const candidatesPerRefresh = 4

// refresh re-enriches the pipeline's records due for it, oldest first. A record
// whose worst case fits in what is left of the day's share may buy the data points
// the mapping reads; one that does not is refreshed with the data points the
// account owns of the person (free), and one that owns none is left as it is,
// still due, for a day with share left (not parked: running out of refresh
// allowance is no failure).
func (rn *run) refresh(ctx context.Context) (error, error) {
	rf := rn.p.Refresh
	if rf == nil || rn.opts.DryRun || rn.opts.Remap || rn.opts.Limit > 0 || rn.p.Mapping.ForCompanies() {
		return nil, nil
	}
	now := rn.now()
	spent, err := rn.Store.CreditsSpentOn(ctx, RefreshCall, now.Truncate(24*time.Hour))
	if err != nil {
		return nil, err
	}
	cutoff := now.Add(-rf.After)
	most := cmp.Or(rf.Max, DefaultRefreshMax)
	due, err := rn.Store.RefreshDue(ctx, rn.p.Name, rn.p.Account, cutoff, candidatesPerRefresh*most)
	if err != nil || len(due) == 0 {
		return nil, err
	}
	if due, err = rn.unsuppressed(ctx, due); err != nil {
		return nil, err
	}
	taken := &refreshing{cutoff: cutoff, due: map[string]dueRecord{}, left: max(0, rf.PerDay-spent)}
	ids := rn.takeDue(taken, due, most)
	if len(ids) == 0 {
		rn.log.Debug("refresh waits: the day's share of the budget is spent", "due", len(due))
		return nil, nil
	}
	rn.refreshing = taken
	defer func() { rn.refreshing = nil }()
	rn.log.Debug("refreshing records", "records", len(ids), "due", len(due))
	return rn.byID(ctx, ids)
}

// takeDue picks at most most records of due for the refresh, by the worst case
// each can cost against what the share has left, and lists their CRM ids.
func (rn *run) takeDue(taken *refreshing, due []state.Due, most int) []string {
	reveal, _, _ := dataPoints(rn.p.Mapping.Needs(nil, nil).Sources)
	prices := rn.prices()
	worst := 0
	var ids []string
	for _, d := range due {
		if len(ids) == most {
			break
		}
		c, owned := worstRefresh(d, reveal, prices)
		switch {
		case worst+c <= taken.left:
			worst += c
			taken.due[d.CRMID] = dueRecord{Due: d}
		case owned:
			taken.due[d.CRMID] = dueRecord{Due: d, freeOnly: true}
		default:
			continue
		}
		ids = append(ids, d.CRMID)
	}
	return ids
}

// unsuppressed drops the people forgotten or opted out since (their Lusha id is
// suppressed): nothing is bought of them again.
func (rn *run) unsuppressed(ctx context.Context, due []state.Due) ([]state.Due, error) {
	keys := make([]string, len(due))
	for i, d := range due {
		keys[i] = state.LushaKey(d.LushaID)
	}
	suppressed, err := rn.Store.SuppressedMany(ctx, keys)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(due, func(d state.Due) bool { return suppressed[state.LushaKey(d.LushaID)] }), nil
}

// worstRefresh is the most refreshing d can cost: the data points the mapping reads
// (reveal, or, when a record's fields need none, the one that pays for the
// profile) that the account is not known to have bought of the person. owned says
// whether the account owns one data point of theirs, which refreshes them for free.
func worstRefresh(d state.Due, reveal []string, prices lusha.Pricing) (worst int, owned bool) {
	unbought := func(dps ...string) int {
		sum := 0
		for _, dp := range dps {
			if !slices.Contains(d.Revealed, dp) {
				sum += cost(prices, revealAction[dp], 1)
			}
		}
		return sum
	}
	return max(unbought(reveal...), unbought(profileDataPoint(d.Revealed))), len(d.Revealed) > 0
}

// profileDataPoint is the data point a refresh enriches for the profile alone: one
// bought before (free again), else emails, the cheapest.
func profileDataPoint(revealed []string) string {
	for _, dp := range []string{lusha.RevealEmails, lusha.RevealPhones} {
		if slices.Contains(revealed, dp) {
			return dp
		}
	}
	return lusha.RevealEmails
}

// refreshDoc starts a due record's answer from what a refresh knows of the person:
// their Lusha id, and the data points to enrich priced as an account that bought
// the ones in revealed sees them (0), so that reveal asks for them by id. A
// free-only refresh asks for the owned ones only; a field whose data point it
// leaves out has no value in the answer, and no value writes nothing.
func (e *enricher) refreshDoc(r *Record, d dueRecord) {
	want := slices.Clone(r.reveal)
	if d.freeOnly {
		want = slices.DeleteFunc(want, func(dp string) bool { return !slices.Contains(d.Revealed, dp) })
	}
	if len(want) == 0 {
		// Only the profile is read: enrich is how a refresh gets it, and a data
		// point pays for it (free when bought before).
		want, r.enrich = []string{profileDataPoint(d.Revealed)}, true
	}
	has := make([]any, len(want))
	canReveal := make([]any, len(want))
	for i, dp := range want {
		has[i] = dp
		credits := cost(e.prices, revealAction[dp], 1)
		if slices.Contains(d.Revealed, dp) {
			credits = 0
		}
		canReveal[i] = map[string]any{"field": dp, "credits": float64(credits)}
	}
	r.contact = map[string]any{"id": d.LushaID, "has": has, "canReveal": canReveal}
	r.lushaID = d.LushaID
}

// refreshable gives the records of a refresh (or a signal's run) that have no
// fresh answer their refresh document, so that they go straight to reveal.
func (e *enricher) refreshable(recs []*Record) {
	rf := e.rn.refreshing
	if rf == nil {
		return
	}
	for _, r := range recs {
		d, ok := rf.due[r.rec.ID]
		if s := r.stale; !ok && rf.fromStale && s != nil && s.Outcome == state.OutcomeMatched && s.LushaID != "" {
			d, ok = dueRecord{Due: state.Due{CRMID: r.rec.ID, LushaID: s.LushaID, Revealed: s.Owned()}}, true
		}
		if ok && r.contact == nil && r.status == Planned {
			e.refreshDoc(r, d)
		}
	}
}

// refreshSpent books what a refresh spent against the day's share.
func (rn *run) refreshSpent(credits int) {
	if rf := rn.refreshing; rf.shared() {
		rf.left = max(0, rf.left-credits)
	}
}

// refreshedOne counts a record of the refresh whose person was enriched again.
func (rn *run) refreshedOne(r *Record) {
	if rf := rn.refreshing; rf.shared() {
		if _, ok := rf.due[r.rec.ID]; ok {
			rn.refreshed++
		}
	}
}
