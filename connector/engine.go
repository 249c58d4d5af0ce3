package connector

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"reflect"
	"slices"
	"time"

	"github.com/leadsync/leadsync/connector/config"
	"github.com/leadsync/leadsync/connector/observe"
	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/hubspot"
	"github.com/leadsync/leadsync/crm/salesforce"
	"github.com/leadsync/leadsync/lusha"
	"github.com/leadsync/leadsync/mapping"
	"github.com/leadsync/leadsync/state"
)

// Engine is everything a config describes, wired: the store, the shared Lusha account,
// one adapter per CRM account, and the pipelines.
type Engine struct {
	Config    *config.Config
	Store     state.Inspector
	Lusha     *Lusha
	Runner    *Runner
	Pipelines []*Pipeline
	crmGuards []*guardedCRM
}

// Breakers reports the state of every circuit breaker: Lusha's and each CRM account's.
func (e *Engine) Breakers() map[string]string {
	out := map[string]string{"lusha": e.Lusha.BreakerState()}
	for _, g := range e.crmGuards {
		out["crm "+g.name] = g.cb.State().String()
	}
	return out
}

// AnswerSchema is the shape of Lusha's answers that mapping paths are checked against,
// derived from the client's types.
func AnswerSchema() *mapping.Schema {
	s := mapping.SchemaOf(reflect.TypeFor[lusha.EnrichedContact](), reflect.TypeFor[lusha.EnrichedCompany]()).
		Merge(mapping.SchemaOf(reflect.TypeFor[lusha.ContactPreview](), nil))
	return &s
}

// LoadMappings loads every pipeline's mapping file. A missing file is a configuration
// error; problems inside a mapping are mapping.Errors, each with file:line:col.
func LoadMappings(cfg *config.Config) (map[string]*mapping.Mapping, error) {
	schema := AnswerSchema()
	out := map[string]*mapping.Mapping{}
	var errs mapping.Errors
	var cfgErrs config.Errors
	for i, p := range cfg.Pipelines {
		path := cfg.Resolve(p.Mapping)
		if _, err := os.Stat(path); err != nil {
			cfgErrs = append(cfgErrs, &config.Error{File: cfg.Path(), Key: fmt.Sprintf("pipelines[%d].mapping", i), Msg: err.Error()})
			continue
		}
		m, err := mapping.Load(path, mapping.Options{Schema: schema})
		if me, ok := errors.AsType[mapping.Errors](err); ok {
			errs = append(errs, me...)
			continue
		}
		if err != nil {
			return nil, err
		}
		if m.Object != p.Object {
			errs = append(errs, &mapping.Error{File: path, Line: 1, Col: 1,
				Msg: fmt.Sprintf("mapping is for object %q but pipeline %s reads %q", m.Object, p.Name, p.Object)})
		}
		out[p.Name] = m
	}
	if len(cfgErrs) > 0 {
		return nil, cfgErrs
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return out, nil
}

// NewCRM builds the adapter for one CRM account.
func NewCRM(c config.CRM, getenv func(string) string) (crm.Adapter, error) {
	switch c.Kind {
	case "salesforce":
		return newSalesforce(c, getenv)
	case "hubspot":
		return newHubSpot(c, getenv)
	}
	return nil, fmt.Errorf("no adapter for CRM kind %q", c.Kind)
}

// newHubSpot builds a HubSpot adapter: a private-app token, or OAuth 2.0 with a
// refresh token when client_id is set.
func newHubSpot(c config.CRM, getenv func(string) string) (crm.Adapter, error) {
	opts := []hubspot.Option{
		hubspot.WithHTTPClient(&http.Client{Timeout: c.Timeout}),
		hubspot.WithOverlap(c.Overlap),
		hubspot.WithSettleLag(c.SettleLag),
	}
	if c.BaseURL != "" {
		opts = append(opts, hubspot.WithBaseURL(c.BaseURL))
	}
	if c.Tier != "" {
		tier := hubspot.Tier(c.Tier)
		if c.Tier == "starter" {
			tier = hubspot.TierFree // Starter has the free tier's limits
		}
		opts = append(opts, hubspot.WithTier(tier))
	}
	if l := c.Limits; l != (config.Limits{}) {
		lim := hubspot.TierLimits(hubspot.Tier(cmp.Or(c.Tier, "free")))
		if l.SearchPerSecond != 0 {
			lim.SearchPerSecond = l.SearchPerSecond
		}
		if l.CallsPer10s != 0 {
			lim.Burst = l.CallsPer10s
		}
		opts = append(opts, hubspot.WithLimits(lim))
	}
	if c.ClientID != "" {
		var oc hubspot.OAuthConfig
		for name, dst := range map[string]*string{"client_id": &oc.ClientID, "client_secret": &oc.ClientSecret,
			"refresh_token": &oc.RefreshToken} {
			ref := map[string]config.SecretRef{"client_id": c.ClientID, "client_secret": c.ClientSecret, "refresh_token": c.RefreshToken}[name]
			s, err := ref.Resolve(getenv)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			*dst = s.Reveal()
		}
		return hubspot.New("", append(opts, hubspot.WithOAuth(oc))...), nil
	}
	token, err := c.Token.Resolve(getenv)
	if err != nil {
		return nil, fmt.Errorf("token: %w", err)
	}
	return hubspot.New(token.Reveal(), opts...), nil
}

func newSalesforce(c config.CRM, getenv func(string) string) (crm.Adapter, error) {
	optional := func(r config.SecretRef) (string, error) {
		if r == "" {
			return "", nil
		}
		s, err := r.Resolve(getenv)
		return s.Reveal(), err
	}
	id, err := optional(c.ClientID)
	if err != nil {
		return nil, fmt.Errorf("client_id: %w", err)
	}
	secret, err := optional(c.ClientSecret)
	if err != nil {
		return nil, fmt.Errorf("client_secret: %w", err)
	}
	refresh, err := optional(c.RefreshToken)
	if err != nil {
		return nil, fmt.Errorf("refresh_token: %w", err)
	}
	return salesforce.New(salesforce.Config{LoginURL: cmp.Or(c.LoginURL, c.BaseURL), ClientID: id, ClientSecret: secret,
		Username: c.Username, PrivateKeyFile: c.PrivateKeyFile, RefreshToken: refresh, APIVersion: c.APIVersion},
		salesforce.WithHTTPClient(&http.Client{Timeout: c.Timeout}), salesforce.WithSettleLag(c.SettleLag))
}

// Build wires the engine and opens its store. The caller closes it.
func Build(ctx context.Context, cfg *config.Config, getenv func(string) string, log *slog.Logger) (*Engine, error) {
	if _, err := LoadMappings(cfg); err != nil {
		return nil, err // before the store is created for a config that cannot run
	}
	store, err := state.Open(ctx, cfg.Resolve(cfg.State.Path))
	if err != nil {
		return nil, fmt.Errorf("open state: %w", err)
	}
	e, err := BuildWith(cfg, getenv, log, store, nil)
	if err != nil {
		_ = store.Close()
		return nil, err
	}
	return e, nil
}

// BuildWith wires an engine on an open store (a reload keeps its store), reporting
// to metrics (nil: none).
func BuildWith(cfg *config.Config, getenv func(string) string, log *slog.Logger, store state.Inspector, metrics *observe.Metrics) (*Engine, error) {
	mappings, err := LoadMappings(cfg)
	if err != nil {
		return nil, err
	}
	key, err := cfg.Lusha.APIKey.Resolve(getenv)
	if err != nil {
		return nil, &config.Error{File: cfg.Path(), Key: "lusha.api_key", Msg: err.Error()}
	}
	adapters := map[string]crm.Adapter{}
	var guards []*guardedCRM
	for _, name := range slices.Sorted(maps.Keys(cfg.CRMs)) {
		a, err := NewCRM(cfg.CRMs[name], getenv)
		if err != nil {
			return nil, &config.Error{File: cfg.Path(), Key: "crms." + name, Msg: err.Error()}
		}
		guardedA, g := guarded(name, a, cfg.Lusha.Breaker, func(from, to string) {
			metrics.BreakerState("crm "+name, to) // under the breaker's lock: no calls back into it
			log.Warn("CRM circuit breaker changed state", "crm", name, "from", from, "to", to)
		})
		adapters[name], guards = guardedA, append(guards, g)
	}
	lu := NewLusha(cfg.Lusha, key, store, func(from, to string) {
		metrics.BreakerState("lusha", to) // under the breaker's lock: no calls back into it
		log.Warn("Lusha circuit breaker changed state", "from", from, "to", to)
	})
	lu.metrics = metrics
	lu.retry = newRetry(cfg.Retry)
	host, _ := os.Hostname()
	e := &Engine{Config: cfg, Store: store, Lusha: lu, crmGuards: guards, Runner: &Runner{
		Store: store, Lusha: lu, Logger: log, NegativeTTL: cfg.Lusha.NegativeTTL, Metrics: metrics,
		Owner: fmt.Sprintf("%s/%d/%d", host, os.Getpid(), time.Now().UnixNano()), Retry: newRetry(cfg.Retry), LeaseTTL: cfg.LeaseTTL,
	}}
	for _, p := range cfg.Pipelines {
		if p.Disabled {
			continue
		}
		e.Pipelines = append(e.Pipelines, &Pipeline{Name: p.Name, Object: p.Object, CRMName: p.CRM,
			CRM: adapters[p.CRM], Mapping: mappings[p.Name], CacheTTL: p.CacheTTL, Schedule: p.Schedule,
			Filter: crm.Filter{Missing: p.Filter.Missing, Equals: p.Filter.Equals}})
	}
	return e, nil
}

// Pipeline returns the named pipeline.
func (e *Engine) Pipeline(name string) (*Pipeline, bool) {
	for _, p := range e.Pipelines {
		if p.Name == name {
			return p, true
		}
	}
	return nil, false
}

// Close releases the store.
func (e *Engine) Close() error { return e.Store.Close() }
