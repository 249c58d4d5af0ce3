package connector

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/leadsync/leadsync/connector/config"
	"github.com/leadsync/leadsync/mapping"
)

// CheckLive checks each pipeline's mapping against the CRM's live metadata: every
// field exists and is writable, and every constant and mapped value fits its type,
// options and length. It returns every problem, each with file:line:col.
func CheckLive(ctx context.Context, cfg *config.Config, mappings map[string]*mapping.Mapping, getenv func(string) string) (mapping.Errors, error) {
	var problems mapping.Errors
	for _, p := range cfg.Pipelines {
		m := mappings[p.Name]
		if m == nil {
			continue
		}
		adapter, err := NewCRM(cfg.CRMs[p.CRM], getenv)
		if err != nil {
			return nil, fmt.Errorf("crm %s: %w", p.CRM, err)
		}
		schema, err := adapter.Schema(ctx, p.Object)
		if err != nil {
			return nil, fmt.Errorf("read the %s fields of crm %s: %w", p.Object, p.CRM, err)
		}
		err = m.CheckCRM(schema)
		if errs, ok := errors.AsType[mapping.Errors](err); ok {
			problems = append(problems, errs...)
		} else if err != nil {
			return nil, err
		}
	}
	return problems, nil
}

// Check finds, offline, everything that would stop a command on this config after it
// loaded: a secret that cannot be read, a mapping that does not load, a CRM account
// whose client cannot be built (a missing private key). It creates nothing, so that
// commands run it before they open the state, and validate --offline refuses what
// sync would.
func Check(cfg *config.Config, getenv func(string) string) (map[string]*mapping.Mapping, error) {
	if errs := cfg.CheckSecrets(getenv); len(errs) > 0 {
		return nil, errs
	}
	mappings, err := LoadMappings(cfg)
	if err != nil {
		return nil, err
	}
	var errs config.Errors
	for _, name := range slices.Sorted(maps.Keys(cfg.CRMs)) {
		if _, err := NewCRM(cfg.CRMs[name], getenv); err != nil {
			errs = append(errs, cfg.ErrorAt(err.Error(), "crms", name))
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return mappings, nil
}
