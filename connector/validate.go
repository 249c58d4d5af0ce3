package connector

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"

	"github.com/leadsync/leadsync/connector/config"
	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/salesforce"
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
		if err := checkLive(ctx, adapter, p.CRM, p.Object, m, &problems); err != nil {
			return nil, err
		}
		// A people pipeline's company mapping is checked against the company object.
		if cm := mappings[companyMappingKey(p.Name)]; cm != nil {
			if err := checkLive(ctx, adapter, p.CRM, cm.Object, cm, &problems); err != nil {
				return nil, err
			}
		}
	}
	return problems, nil
}

// checkLive checks one mapping against the live fields of object.
func checkLive(ctx context.Context, adapter crm.Adapter, crmName, object string, m *mapping.Mapping, problems *mapping.Errors) error {
	schema, err := adapter.Schema(ctx, object)
	if err != nil {
		return fmt.Errorf("read the %s fields of crm %s: %w", object, crmName, err)
	}
	err = m.CheckCRM(schema)
	if errs, ok := errors.AsType[mapping.Errors](err); ok {
		*problems = append(*problems, errs...)
		return nil
	}
	return err
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
		if e := checkMyDomain(cfg, name); e != nil {
			errs = append(errs, e)
		} else if _, err := NewCRM(cfg.CRMs[name], getenv); err != nil {
			errs = append(errs, cfg.ErrorAt(err.Error(), "crms", name))
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return mappings, nil
}

// checkMyDomain refuses a Salesforce account that would sign in with the client
// credentials flow (no private key, no refresh token) on login.salesforce.com or
// test.salesforce.com: those hosts answer it 400 invalid_grant "request not supported
// on this domain"; the flow needs the org's My Domain (salesforce-api.md §2.3, help
// "OAuth 2.0 Client Credentials Flow"). JWT bearer and refresh tokens work on them.
func checkMyDomain(cfg *config.Config, name string) *config.Error {
	c := cfg.CRMs[name]
	if c.Kind != "salesforce" || c.PrivateKeyFile != "" || c.RefreshToken != "" {
		return nil
	}
	login := cmp.Or(c.LoginURL, c.BaseURL, salesforce.DefaultLoginURL)
	u, err := url.Parse(login)
	if err != nil || !slices.Contains([]string{"login.salesforce.com", "test.salesforce.com"}, strings.ToLower(u.Hostname())) {
		return nil
	}
	return cfg.ErrorAt(fmt.Sprintf("the client credentials flow needs the org's My Domain as login_url, not %s, "+
		"which answers invalid_grant \"request not supported on this domain\": set login_url to "+
		"https://<my-domain>.my.salesforce.com (a sandbox: https://<my-domain>--<sandbox>.sandbox.my.salesforce.com; "+
		"Setup > My Domain shows it), or sign in with the JWT bearer flow (private_key_file and username)", u.Host),
		"crms", name, "login_url")
}
