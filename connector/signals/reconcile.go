package signals

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"

	"github.com/leadsync/leadsync/crm/upstream"
	"github.com/leadsync/leadsync/lusha"
)

// SubscriptionName names leadsync's subscriptions: what it creates, and all it
// ever changes or deletes.
const SubscriptionName = "leadsync signals"

// entity is what a subscription watches: Lusha keeps one per entity and account.
type entity struct{ Type, ID string }

func (e entity) compare(o entity) int {
	return cmp.Or(cmp.Compare(e.Type, o.Type), cmp.Compare(e.ID, o.ID))
}

// pass is what one reconciliation did.
type pass struct {
	created, deleted, updated, enabled int
	errs                               []error
}

// reconcile makes Lusha's list what the state wants: it deletes leadsync's
// subscriptions of entities no longer wanted (and any second one of an entity),
// brings the others' signal types and URL up to date, re-enables those Lusha
// disabled once the receiver is healthy, and creates the missing ones within the
// cap. Every step starts from the list, so that it is safe to repeat.
func (m *Manager) reconcile(ctx context.Context) (SubscriptionStatus, error) {
	var st SubscriptionStatus
	want, err := m.wanted(ctx)
	if err != nil {
		return st, err
	}
	subs, err := m.list(ctx)
	if err != nil {
		return st, err
	}
	st.Wanted, st.Account = len(want), len(subs)
	ours := map[entity]lusha.Subscription{}
	taken := map[entity]bool{} // watched by a subscription that is not leadsync's
	var drop []string
	for _, s := range subs {
		k := entity{s.EntityType, s.EntityID}
		switch _, dup := ours[k]; {
		case slices.Contains(s.SignalTypes, signalOptOut):
		case s.Name != SubscriptionName:
			taken[k] = true
		case dup || want[k] == nil:
			drop = append(drop, s.ID)
		default:
			ours[k] = s
		}
	}
	var p pass
	m.delete(ctx, drop, &p)
	st.Account -= p.deleted
	m.update(ctx, ours, want, &p, &st)
	var missing []entity
	for k := range want {
		if _, ok := ours[k]; !ok && !taken[k] {
			missing = append(missing, k)
		}
	}
	slices.SortFunc(missing, entity.compare)
	st.Full = m.create(ctx, missing, want, st.Account, &p)
	st.Account += p.created
	st.Active += p.created
	st.Missing = st.Wanted - len(ours) - p.created
	if p.created+p.deleted+p.updated+p.enabled > 0 {
		m.o.Logger.Info("lusha subscriptions reconciled", "created", p.created, "deleted", p.deleted,
			"updated", p.updated, "re-enabled", p.enabled, "disabled", st.Disabled, "missing", st.Missing)
	}
	if st.Full {
		m.o.Logger.Warn("lusha subscriptions: the account is full; people and companies left unwatched",
			"missing", st.Missing, "max", m.o.Max)
	}
	return st, errors.Join(p.errs...)
}

// wanted lists the entities the pipelines enriched and the signal types each
// should be subscribed to.
func (m *Manager) wanted(ctx context.Context) (map[entity][]string, error) {
	want := map[entity][]string{}
	for _, w := range m.o.Watches {
		es, err := m.o.Store.EnrichedBy(ctx, w.Pipeline)
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			var k entity
			var types []string
			switch {
			case e.Object == w.CompanyObject:
				// A people pipeline's company records have no state of their own:
				// the ledger naming them is all there is.
				if w.Object == w.CompanyObject && !e.Held {
					continue
				}
				k, types = entity{lusha.EntityCompany, e.LushaID}, w.Company
			case e.Object == w.Object && e.Held:
				k, types = entity{lusha.EntityContact, e.LushaID}, w.Contact
			}
			if len(types) > 0 {
				want[k] = slices.Compact(slices.Sorted(slices.Values(append(want[k], types...))))
			}
		}
	}
	return want, nil
}

// list reads every subscription of the account, a page per call.
func (m *Manager) list(ctx context.Context) ([]lusha.Subscription, error) {
	var all []lusha.Subscription
	for offset := 0; ; {
		if err := m.o.Limiter.Wait(ctx); err != nil {
			return nil, err
		}
		page, _, err := m.o.Client.ListSubscriptionsPage(ctx, lusha.MaxListLimit, offset)
		if err != nil {
			return nil, fmt.Errorf("lusha subscriptions: list: %w", err)
		}
		all = append(all, page.Data...)
		if !page.Pagination.HasMore || len(page.Data) == 0 {
			return all, nil
		}
		offset += len(page.Data)
	}
}

// delete deletes ids, 25 a call; one Lusha no longer has is gone all the same.
func (m *Manager) delete(ctx context.Context, ids []string, p *pass) {
	for chunk := range slices.Chunk(ids, lusha.MaxSubscriptionBatch) {
		if err := m.o.Limiter.Wait(ctx); err != nil {
			p.errs = append(p.errs, err)
			return
		}
		res, _, err := m.o.Client.DeleteSubscriptions(ctx, chunk)
		if err != nil {
			p.errs = append(p.errs, fmt.Errorf("lusha subscriptions: delete: %w", err))
			return
		}
		for _, r := range res.Results {
			if r.Success || (r.Error != nil && r.Error.Code == lusha.SubscriptionNotFound) {
				p.deleted++
			} else if r.Error != nil {
				p.errs = append(p.errs, fmt.Errorf("lusha subscriptions: delete: %w", r.Error))
			}
		}
	}
}

// update brings leadsync's subscriptions to the wanted signal types and URL, and
// re-enables the disabled ones when the receiver is healthy (checked once).
func (m *Manager) update(ctx context.Context, ours map[entity]lusha.Subscription, want map[entity][]string,
	p *pass, st *SubscriptionStatus) {
	healthy, checked := false, false
	for _, k := range slices.SortedFunc(maps.Keys(ours), entity.compare) {
		s := ours[k]
		var req lusha.UpdateSubscriptionRequest
		if !slices.Equal(slices.Sorted(slices.Values(s.SignalTypes)), want[k]) {
			req.SignalTypes = want[k]
		}
		if s.URL != m.o.URL {
			req.URL = m.o.URL
		}
		if !s.IsActive {
			if !checked {
				healthy, checked = m.o.Healthy(ctx), true
			}
			if healthy {
				req.IsActive = new(true)
			}
		}
		if req.SignalTypes != nil || req.URL != "" || req.IsActive != nil {
			if err := m.patch(ctx, s.ID, req); err != nil {
				p.errs = append(p.errs, err)
			} else if p.updated++; req.IsActive != nil {
				p.enabled++
				s.IsActive = true
			}
		}
		if s.IsActive {
			st.Active++
			continue
		}
		st.Disabled++
		if len(st.Blocked) < maxBlockedShown {
			b := BlockedSubscription{ID: s.ID, EntityType: s.EntityType, EntityID: s.EntityID}
			if s.BlockReason != nil {
				b.Reason = *s.BlockReason
			}
			if s.BlockedAt != nil {
				b.Since = *s.BlockedAt
			}
			st.Blocked = append(st.Blocked, b)
		}
	}
}

func (m *Manager) patch(ctx context.Context, id string, req lusha.UpdateSubscriptionRequest) error {
	if err := m.o.Limiter.Wait(ctx); err != nil {
		return err
	}
	if _, _, err := m.o.Client.UpdateSubscription(ctx, id, req); err != nil {
		return fmt.Errorf("lusha subscriptions: update %s: %w", id, err)
	}
	return nil
}

// create subscribes missing, 25 a call, while the account has room (account
// subscriptions exist now); it reports whether the cap or Lusha's limit stopped it.
func (m *Manager) create(ctx context.Context, missing []entity, want map[entity][]string, account int, p *pass) bool {
	for len(missing) > 0 {
		n := min(len(missing), lusha.MaxSubscriptionBatch)
		if m.o.Max > 0 {
			n = min(n, m.o.Max-account-p.created)
		}
		if n <= 0 {
			return true
		}
		req := lusha.CreateSubscriptionsRequest{Defaults: lusha.SubscriptionDefaults{URL: m.o.URL}, Name: SubscriptionName}
		for _, k := range missing[:n] {
			req.Subscriptions = append(req.Subscriptions,
				lusha.SubscriptionItem{EntityType: k.Type, EntityID: k.ID, SignalTypes: want[k]})
		}
		missing = missing[n:]
		if err := m.o.Limiter.Wait(ctx); err != nil {
			p.errs = append(p.errs, err)
			return false
		}
		res, _, err := m.o.Client.CreateSubscriptions(ctx, req)
		if ue := (*upstream.Error)(nil); errors.As(err, &ue) && ue.Status == http.StatusForbidden {
			return true // "Maximum subscriptions limit reached"
		}
		if err != nil {
			p.errs = append(p.errs, fmt.Errorf("lusha subscriptions: create: %w", err))
			return false
		}
		full := false
		for _, r := range res.Results {
			switch {
			case r.Success:
				p.created++
			case r.Error == nil:
			case r.Error.Code == lusha.SubscriptionForbidden:
				full = true
			case r.Error.Code != lusha.SubscriptionDuplicate: // a duplicate is there: the next pass lists it
				p.errs = append(p.errs, fmt.Errorf("lusha subscriptions: create: %w", r.Error))
			}
		}
		if full {
			return true
		}
	}
	return false
}
