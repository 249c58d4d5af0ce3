package account

import (
	"context"
	"iter"
	"time"

	"github.com/leadsync/leadsync/crm"
)

// DeletionFeed returns the adapter's deletion feed (crm.DeletionFeed) behind this
// account's breaker, or false when the adapter has none. CRM itself does not
// implement crm.DeletionFeed, so that an adapter without one is not hidden behind a
// method that can only fail; callers ask through this accessor.
func (c *CRM) DeletionFeed() (crm.DeletionFeed, bool) {
	f, ok := c.adapter.(crm.DeletionFeed)
	if !ok {
		return nil, false
	}
	return guardedFeed{c: c, f: f}, true
}

// guardedFeed reads the feed through the breaker: one permit for a whole read, as
// Changes takes.
type guardedFeed struct {
	c *CRM
	f crm.DeletionFeed
}

func (g guardedFeed) Deleted(ctx context.Context, object string, since time.Time) iter.Seq2[crm.Deletion, error] {
	return func(yield func(crm.Deletion, error) bool) {
		done, err := g.c.allow("deleted")
		if err != nil {
			yield(crm.Deletion{}, err)
			return
		}
		var last error
		defer func() { done(last) }()
		for d, err := range g.f.Deleted(ctx, object, since) {
			last = err
			if !yield(d, err) || err != nil {
				return
			}
		}
	}
}
