package run

import (
	"context"
	"slices"
	"strings"

	"github.com/leadsync/leadsync/connector/react"
	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/state"
)

// retryDue takes up again the company records whose retry time has come (parked, or
// left waiting for their answer): each is read by id, gets its answer by the Lusha
// company id it was taken up with (from the cache, else Lusha), and is mapped and
// written like a page's. Their people, long committed, are not needed.
func (co *companyRun) retryDue(ctx context.Context) (error, error) {
	sub := co.sub
	if sub.opts.DryRun || sub.opts.Remap {
		return nil, nil
	}
	due, err := sub.Store.DueOf(ctx, sub.p.Name, sub.p.Account, sub.now(), 1000)
	if err != nil || len(due) == 0 {
		return nil, err
	}
	keyOf := make(map[string]string, len(due))
	ids := make([]string, 0, len(due))
	for _, st := range due {
		keyOf[st.CRMID] = st.IdentityKey
		ids = append(ids, st.CRMID)
	}
	for chunk := range slices.Chunk(ids, 100) {
		if stop, err := co.retryChunk(ctx, chunk, keyOf); stop != nil || err != nil {
			return stop, err
		}
	}
	return nil, nil
}

func (co *companyRun) retryChunk(ctx context.Context, ids []string, keyOf map[string]string) (error, error) {
	sub := co.sub
	recs, err := react.Do(ctx, sub.Retry, func() ([]crm.Record, error) {
		recs, err := sub.p.CRM.Get(ctx, sub.p.Object, ids, sub.readFields())
		sub.Metrics.CallFinished(sub.p.Account, string(crm.ClassOf(err)))
		return recs, err
	})
	if err != nil {
		return err, nil
	}
	live, stop, err := sub.dropVanished(ctx, ids, recs)
	if stop != nil || err != nil {
		return stop, err
	}
	cb := newCompanyBatch()
	for _, rec := range live {
		if !co.takeUp(rec.ID) {
			continue
		}
		g := newRecord(rec, state.RecordState{}, true)
		cb.firms[rec.ID] = g
		cb.recs = append(cb.recs, g)
		if id, ok := strings.CutPrefix(keyOf[rec.ID], companyKey("")); ok && id != "" {
			g.lushaID, g.key = id, keyOf[rec.ID]
			co.remember(cb, id, nil)
		}
	}
	spent := co.people.spent
	err = co.settle(ctx, cb, cb.recs, nil)
	co.people.counts.CreditsSpent += co.people.spent - spent
	if err != nil {
		return nil, err
	}
	co.mapAll(cb)
	return sub.committer("").handle(ctx, &batch{recs: cb.recs, stop: cb.stop})
}

func newCompanyBatch() *companyBatch {
	return &companyBatch{firms: map[string]*Record{}, answers: map[string]*Record{}, links: map[string][]string{}}
}
