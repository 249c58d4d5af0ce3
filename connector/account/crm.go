package account

import (
	"context"
	"io"
	"iter"

	"github.com/leadsync/leadsync/crm"
)

// CRM is one CRM account (crms.<name>) behind its own circuit breaker (DESIGN §4):
// only classes the react table counts as failures trip it, and while it is open
// calls fail at once as unavailable, so runs pause and end upstream_unavailable
// instead of hammering a CRM that is down. The adapter paces itself, so pacing is
// not repeated here. Safe for concurrent use.
type CRM struct {
	name, kind string
	identity   string
	settings   any
	adapter    crm.Adapter
	breaker    *breaker
}

var _ crm.Adapter = (*CRM)(nil)

func newCRM(s CRMSettings, a crm.Adapter, sh *shared) *CRM {
	return &CRM{name: s.Name, kind: s.Kind, identity: s.identity(), settings: s.Settings,
		adapter: a, breaker: newBreaker("crm "+s.Name, s.Breaker, sh.metrics, sh.log)}
}

// Name is the account's name in the config.
func (c *CRM) Name() string { return c.name }

// Kind is "hubspot" or "salesforce".
func (c *CRM) Kind() string { return c.kind }

// BreakerState is "closed", "half-open" or "open".
func (c *CRM) BreakerState() string { return c.breaker.state().String() }

// Unwrap returns the adapter behind the breaker.
func (c *CRM) Unwrap() crm.Adapter { return c.adapter }

// close closes a retired adapter that holds resources.
func (c *CRM) close() error {
	if cl, ok := c.adapter.(io.Closer); ok {
		return cl.Close()
	}
	return nil
}

func (c *CRM) allow(op string) (func(error), error) { return c.breaker.allow(c.name, op) }

// BatchSize is the adapter's.
func (c *CRM) BatchSize() int { return c.adapter.BatchSize() }

// Changes guards a whole read: one permit, settled by how the read ended.
func (c *CRM) Changes(ctx context.Context, req crm.ChangesRequest) iter.Seq2[crm.Page, error] {
	return func(yield func(crm.Page, error) bool) {
		done, err := c.allow("read")
		if err != nil {
			yield(crm.Page{}, err)
			return
		}
		var last error
		defer func() { done(last) }()
		for pg, err := range c.adapter.Changes(ctx, req) {
			last = err
			if !yield(pg, err) || err != nil {
				return
			}
		}
	}
}

// Write writes one batch through the breaker.
func (c *CRM) Write(ctx context.Context, object string, patches []crm.Patch) ([]crm.WriteResult, error) {
	return guard(c, "write", func() ([]crm.WriteResult, error) { return c.adapter.Write(ctx, object, patches) })
}

// Schema reads an object's fields through the breaker.
func (c *CRM) Schema(ctx context.Context, object string) (crm.Schema, error) {
	return guard(c, "schema", func() (crm.Schema, error) { return c.adapter.Schema(ctx, object) })
}

// Get reads records by id through the breaker.
func (c *CRM) Get(ctx context.Context, object string, ids, fields []string) ([]crm.Record, error) {
	return guard(c, "get", func() ([]crm.Record, error) { return c.adapter.Get(ctx, object, ids, fields) })
}

func guard[T any](c *CRM, op string, call func() (T, error)) (T, error) {
	done, err := c.allow(op)
	if err != nil {
		var zero T
		return zero, err
	}
	v, err := call()
	done(err)
	return v, err
}
