package connector

import (
	"cmp"
	"fmt"
	"net/http"

	"github.com/leadsync/leadsync/connector/config"
	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/hubspot"
	"github.com/leadsync/leadsync/crm/salesforce"
)

// NewCRM builds the adapter for one CRM account.
func NewCRM(c config.CRM, getenv func(string) string, opts ...CRMOption) (crm.Adapter, error) {
	switch c.Kind {
	case "salesforce":
		return newSalesforce(c, getenv, crmOptionsOf(opts))
	case "hubspot":
		return newHubSpot(c, getenv, crmOptionsOf(opts))
	}
	return nil, fmt.Errorf("no adapter for CRM kind %q", c.Kind)
}

// newHubSpot builds a HubSpot adapter: a private-app token, or OAuth 2.0 with a
// refresh token when client_id is set.
func newHubSpot(c config.CRM, getenv func(string) string, o crmOptions) (crm.Adapter, error) {
	opts := []hubspot.Option{
		hubspot.WithHTTPClient(&http.Client{Timeout: c.Timeout}),
	}
	if c.Overlap != nil { // unset: the adapter's default
		opts = append(opts, hubspot.WithOverlap(*c.Overlap))
	}
	if c.SettleLag != nil {
		opts = append(opts, hubspot.WithSettleLag(*c.SettleLag))
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
	opts = append(opts, o.hubspotPacing()...)
	if c.ClientID != "" {
		var oc hubspot.OAuthConfig
		for _, s := range []struct {
			name string
			ref  config.SecretRef
			dst  *string
		}{
			{"client_id", c.ClientID, &oc.ClientID},
			{"client_secret", c.ClientSecret, &oc.ClientSecret},
			{"refresh_token", c.RefreshToken, &oc.RefreshToken},
		} {
			v, err := s.ref.Resolve(getenv)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", s.name, err)
			}
			*s.dst = v.Reveal()
		}
		return hubspot.New("", append(opts, hubspot.WithOAuth(oc))...), nil
	}
	token, err := c.Token.Resolve(getenv)
	if err != nil {
		return nil, fmt.Errorf("token: %w", err)
	}
	return hubspot.New(token.Reveal(), opts...), nil
}

func newSalesforce(c config.CRM, getenv func(string) string, o crmOptions) (crm.Adapter, error) {
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
		append(append(salesforceReads(c), o.salesforceTokens()...), salesforce.WithHTTPClient(&http.Client{Timeout: c.Timeout}))...)
}

// salesforceReads passes the read window's settings that the config sets; unset ones
// keep the adapter's defaults (a zero would override them).
func salesforceReads(c config.CRM) []salesforce.Option {
	var opts []salesforce.Option
	if c.SettleLag != nil {
		opts = append(opts, salesforce.WithSettleLag(*c.SettleLag))
	}
	if c.Lookback != nil {
		opts = append(opts, salesforce.WithLookback(*c.Lookback))
	}
	return opts
}
