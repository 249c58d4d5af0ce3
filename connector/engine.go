package connector

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"reflect"
	"slices"
	"time"

	"golang.org/x/time/rate"

	"github.com/leadsync/leadsync/connector/account"
	"github.com/leadsync/leadsync/connector/config"
	"github.com/leadsync/leadsync/connector/observe"
	"github.com/leadsync/leadsync/connector/react"
	"github.com/leadsync/leadsync/connector/run"
	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/lusha"
	"github.com/leadsync/leadsync/mapping"
	"github.com/leadsync/leadsync/state"
)

// Engine is everything a config describes, wired: the store, the process's accounts
// (the Lusha account and one per CRM account, DESIGN §9a) and the pipelines. A reload
// builds a new Engine on the same store and the same accounts.
type Engine struct {
	Config    *config.Config
	Store     state.Inspector
	Accounts  *account.Accounts
	Runner    *Runner
	Pipelines []*Pipeline
	// settings are the accounts' settings this config asks for.
	settings account.Settings
	// ownsAccounts: this engine built its accounts and closes them.
	ownsAccounts bool
	// webhookSecret signs Lusha's webhook deliveries (lusha.webhook.secret).
	webhookSecret config.Secret
}

// Pipeline is one configured flow; its CRM account is leased for each run.
type Pipeline = run.Pipeline

// RunOptions change what a run may do.
type RunOptions = run.Options

// Summary is a run's outcome.
type Summary = run.Summary

// Progress is a run's position after a page.
type Progress = run.Progress

// Change is one line of a dry run's plan.
type Change = run.Change

// ActionWouldEnrich marks a record a dry run would send to Lusha.
const ActionWouldEnrich = run.ActionWouldEnrich

// Run statuses (DESIGN §6).
const (
	RunOK                  = react.StatusOK
	RunPartial             = react.StatusPartial
	RunFailed              = react.StatusFailed
	RunCreditsExhausted    = react.StatusCreditsExhausted
	RunQuotaExhausted      = react.StatusQuotaExhausted
	RunUpstreamUnavailable = react.StatusUpstreamUnavailable
)

// MaxAttempts is how many times a parked record is retried on its own before it waits
// for `leadsync retry`.
const MaxAttempts = react.MaxParkAttempts

// Breakers reports the state of every circuit breaker: Lusha's and each CRM account's.
func (e *Engine) Breakers() map[string]string { return e.Accounts.Breakers() }

// AnswerSchema is the shape of Lusha's answers that mapping paths are checked against,
// derived from the client's types.
func AnswerSchema() *mapping.Schema {
	s := mapping.SchemaOf(reflect.TypeFor[lusha.EnrichedContact](), reflect.TypeFor[lusha.EnrichedCompany]()).
		Merge(mapping.SchemaOf(reflect.TypeFor[lusha.ContactPreview](), nil)).
		Merge(mapping.SignalSchemaOf(reflect.TypeFor[lusha.ContactSignalData]()))
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
		if p.CompanyRecord.On() {
			cm, err := loadCompanyMapping(cfg, i, schema)
			if err := splitErrs(err, &errs, &cfgErrs); err != nil {
				return nil, err
			}
			out[companyMappingKey(p.Name)] = cm
		}
	}
	if len(cfgErrs) > 0 {
		return nil, cfgErrs
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return out, nil
}

// Build wires the engine and opens its store, after everything that could refuse the
// config was checked: nothing is created for a config that cannot run. The caller
// closes it.
func Build(ctx context.Context, cfg *config.Config, getenv func(string) string, log *slog.Logger) (*Engine, error) {
	if _, err := Check(cfg, getenv); err != nil {
		return nil, err
	}
	store, err := OpenStore(ctx, cfg, getenv)
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

// BuildWith wires an engine on an open store, with accounts of its own, reporting to
// metrics (nil: none). A daemon's reload hands the new engine its running accounts
// (Adopt), so that budgets, limiters and breakers outlive the reload.
func BuildWith(cfg *config.Config, getenv func(string) string, log *slog.Logger, store state.Inspector, metrics *observe.Metrics) (*Engine, error) {
	mappings, err := LoadMappings(cfg)
	if err != nil {
		return nil, err
	}
	settings, err := accountSettings(cfg, getenv, store)
	if err != nil {
		return nil, err
	}
	if err := checkCompanyRecords(cfg, getenv); err != nil {
		return nil, err
	}
	hookSecret, err := webhookSecret(cfg, getenv)
	if err != nil {
		return nil, err
	}
	owner := newOwner()
	accts := account.New(account.Options{Ledger: store, Claims: store, Owner: owner, Alive: ownerAlive, Metrics: metrics,
		Logger: log, Shared: sharedLimits(store, log)})
	if err := accts.Apply(settings); err != nil {
		return nil, &config.Error{File: cfg.Path(), Msg: err.Error()}
	}
	e := &Engine{Config: cfg, Store: store, Accounts: accts, settings: settings, ownsAccounts: true,
		webhookSecret: hookSecret}
	e.Runner = &Runner{engine: e, DeletedEvery: cfg.History.DeletedEvery, Runner: run.Runner{Store: store, Logger: log, NegativeTTL: cfg.Lusha.NegativeTTL,
		Metrics: metrics, Owner: owner, Retry: retryPolicy(cfg.Retry), LeaseTTL: cfg.LeaseTTL, Alive: ownerAlive,
		History: &run.History{Keep: state.Retention{KeepRuns: cfg.History.KeepRuns, KeepLedger: cfg.History.KeepLedger},
			Every: time.Hour}}}
	for _, p := range cfg.Pipelines {
		if p.Disabled {
			continue
		}
		e.Pipelines = append(e.Pipelines, &Pipeline{Name: p.Name, Object: p.Object, Account: p.CRM,
			Mapping: mappings[p.Name], CacheTTL: p.CacheTTL, Schedule: p.Schedule,
			Filter:    crm.Filter{Missing: p.Filter.Missing, Equals: p.Filter.Equals},
			Companies: companyRecord(p, mappings), Refresh: refreshOf(cfg, p)})
	}
	return e, nil
}

// Adopt makes e use running's accounts, with e's settings applied to them in place,
// and closes e's own: the reload of DESIGN §9a.
func (e *Engine) Adopt(running *account.Accounts) error {
	if err := running.Apply(e.settings); err != nil {
		return &config.Error{File: e.Config.Path(), Msg: err.Error()}
	}
	if e.ownsAccounts && e.Accounts != running {
		e.Accounts.Close()
	}
	e.Accounts, e.ownsAccounts = running, false
	return nil
}

func retryPolicy(c config.Retry) react.Policy {
	return react.Policy{Base: c.Base, Max: c.Max}
}

// accountSettings turns the config into the accounts' settings. The CRM clients keep
// the refresh tokens their CRM rotates in tokens.
func accountSettings(cfg *config.Config, getenv func(string) string, tokens state.TokenStore) (account.Settings, error) {
	key, err := cfg.Lusha.APIKey.Resolve(getenv)
	if err != nil {
		return account.Settings{}, &config.Error{File: cfg.Path(), Key: "lusha.api_key", Msg: err.Error()}
	}
	breaker := account.BreakerSettings{Failures: cfg.Lusha.Breaker.Failures, Timeout: cfg.Lusha.Breaker.Timeout}
	s := account.Settings{Lusha: account.LushaSettings{APIKey: key.Reveal(), BaseURL: cfg.Lusha.BaseURL,
		Timeout: cfg.Lusha.Timeout, PerSecond: cfg.Lusha.Rate.PerSecond, CreditsPerDay: cfg.Lusha.Budget.CreditsPerDay,
		CreditsPerRun: cfg.Lusha.Budget.CreditsPerRun, Breaker: breaker, Retry: retryPolicy(cfg.Retry)}}
	for _, name := range slices.Sorted(maps.Keys(cfg.CRMs)) {
		c := cfg.CRMs[name]
		if _, err := NewCRM(c, getenv); err != nil {
			return account.Settings{}, &config.Error{File: cfg.Path(), Key: "crms." + name, Msg: err.Error()}
		}
		s.CRMs = append(s.CRMs, account.CRMSettings{Name: name, Kind: c.Kind, Identity: crmIdentity(c),
			Breaker: breaker, Settings: c, Build: func() (crm.Adapter, error) { return NewCRM(c, getenv, KeepTokens(tokens, name)) },
			BuildShared: func(bucket func(string, rate.Limit, int) account.Bucket) (crm.Adapter, error) {
				return NewCRM(c, getenv, KeepTokens(tokens, name), SharedPacing(bucket))
			}})
	}
	return s, nil
}

// crmIdentity is what makes a CRM account the same one across reloads: its kind, its
// addresses and the references to its credentials (not their values).
func crmIdentity(c config.CRM) string {
	return fmt.Sprintf("%s|%s|%s|%s|%s|%s|%s|%s|%s", c.Kind, c.BaseURL, c.LoginURL, c.ClientID, c.ClientSecret,
		c.Token, c.RefreshToken, c.Username, c.PrivateKeyFile)
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

// Close releases the accounts this engine built, and the store.
func (e *Engine) Close() error {
	if e.ownsAccounts {
		e.Accounts.Close()
	}
	return e.Store.Close()
}

// NewAccounts builds an empty set of accounts for this engine's store and process,
// reporting to metrics; Adopt configures it. The daemon keeps one for its whole life.
func (e *Engine) NewAccounts(metrics *observe.Metrics, log *slog.Logger) *account.Accounts {
	return account.New(account.Options{Ledger: e.Store, Claims: e.Store, Owner: e.Runner.Owner, Alive: ownerAlive,
		Metrics: metrics, Logger: log, Shared: sharedLimits(e.Store, log)})
}

// refreshOf is a pipeline's scheduled refresh, nil when it has none.
func refreshOf(cfg *config.Config, p config.Pipeline) *run.Refresh {
	if p.RefreshAfter == 0 {
		return nil
	}
	return &run.Refresh{After: p.RefreshAfter, PerDay: cfg.RefreshCredits()}
}
