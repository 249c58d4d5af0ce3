package connector

import (
	"context"
	"iter"

	"github.com/sony/gobreaker/v2"

	"github.com/leadsync/leadsync/connector/config"
	"github.com/leadsync/leadsync/crm"
)

// guardedCRM puts one CRM account behind its circuit breaker (DESIGN §4): only the
// unavailable class trips it, and while it is open calls fail at once as unavailable,
// so runs pause and end upstream_unavailable instead of hammering a CRM that is down.
// The adapter paces itself (its own rate limiter), so pacing is not repeated here.
type guardedCRM struct {
	crm.Adapter
	name string
	cb   *gobreaker.TwoStepCircuitBreaker[struct{}]
}

func guardCRM(name string, a crm.Adapter, cfg config.Breaker, onState func(from, to string)) *guardedCRM {
	return &guardedCRM{Adapter: a, name: name, cb: newBreaker("crm "+name, cfg, onState)}
}

// Unwrap returns the adapter behind the breaker.
func (g *guardedCRM) Unwrap() crm.Adapter { return g.Adapter }

func (g *guardedCRM) open(op string, err error) error {
	return &crm.Error{Service: g.name, Op: op, Class: crm.ClassUnavailable, Message: "circuit breaker is open", Err: err}
}

// Changes guards a whole read: one permit, settled by how the read ended.
func (g *guardedCRM) Changes(ctx context.Context, req crm.ChangesRequest) iter.Seq2[crm.Page, error] {
	return func(yield func(crm.Page, error) bool) {
		done, err := g.cb.Allow()
		if err != nil {
			yield(crm.Page{}, g.open("read", err))
			return
		}
		var last error
		defer func() { done(last) }()
		for pg, err := range g.Adapter.Changes(ctx, req) {
			last = err
			if !yield(pg, err) || err != nil {
				return
			}
		}
	}
}

func (g *guardedCRM) Write(ctx context.Context, object string, patches []crm.Patch) ([]crm.WriteResult, error) {
	done, err := g.cb.Allow()
	if err != nil {
		return nil, g.open("write", err)
	}
	res, err := g.Adapter.Write(ctx, object, patches)
	done(err)
	return res, err
}

func (g *guardedCRM) Schema(ctx context.Context, object string) (crm.Schema, error) {
	done, err := g.cb.Allow()
	if err != nil {
		return crm.Schema{}, g.open("schema", err)
	}
	s, err := g.Adapter.Schema(ctx, object)
	done(err)
	return s, err
}

// guardedGetter is a guarded adapter that can also read by id.
type guardedGetter struct {
	*guardedCRM
	getter crm.Getter
}

func (g guardedGetter) Get(ctx context.Context, object string, ids, fields []string) ([]crm.Record, error) {
	done, err := g.cb.Allow()
	if err != nil {
		return nil, g.open("get", err)
	}
	recs, err := g.getter.Get(ctx, object, ids, fields)
	done(err)
	return recs, err
}

// guarded wraps an adapter, keeping read-by-id when it has it.
func guarded(name string, a crm.Adapter, cfg config.Breaker, onState func(from, to string)) (crm.Adapter, *guardedCRM) {
	g := guardCRM(name, a, cfg, onState)
	if getter, ok := a.(crm.Getter); ok {
		return guardedGetter{guardedCRM: g, getter: getter}, g
	}
	return g, g
}
