package connector

import (
	"context"

	"github.com/leadsync/leadsync/connector/account"
	"github.com/leadsync/leadsync/crm/hubspot"
	"github.com/leadsync/leadsync/crm/salesforce"
	"github.com/leadsync/leadsync/state"
	"golang.org/x/time/rate"
)

// CRMOption adds to what NewCRM builds from an account's configuration.
type CRMOption func(*crmOptions)

type crmOptions struct {
	tokens  state.TokenStore
	account string
	// bucket, when set, makes the pacing limiters that every replica shares.
	bucket func(name string, perSecond rate.Limit, burst int) account.Bucket
}

// SharedPacing paces a HubSpot account with limiters that every replica on one
// database shares, so that N replicas together keep to the portal's limits.
// Salesforce's limit is a daily quota its server counts, so it needs none.
func SharedPacing(bucket func(name string, perSecond rate.Limit, burst int) account.Bucket) CRMOption {
	return func(o *crmOptions) { o.bucket = bucket }
}

func (o crmOptions) hubspotPacing() []hubspot.Option {
	if o.bucket == nil {
		return nil
	}
	return []hubspot.Option{hubspot.WithLimiters(func(name string, perSecond rate.Limit, burst int) hubspot.Limiter {
		return o.bucket(name, perSecond, burst)
	})}
}

// KeepTokens keeps the refresh tokens the CRM rotates in the state store, under the
// account's name: with refresh token rotation on, Salesforce kills the configured
// token at the first renewal, so only the stored one lets a restarted process sign in
// (salesforce-api.md §2.4). HubSpot documents no rotation (hubspot-api.md §2.2), so
// its accounts do not use it. Commands that must not open the state (validate) build
// their clients without it.
func KeepTokens(store state.TokenStore, account string) CRMOption {
	return func(o *crmOptions) { o.tokens, o.account = store, account }
}

func crmOptionsOf(opts []CRMOption) crmOptions {
	var o crmOptions
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// salesforceTokens is the Salesforce option KeepTokens asks for, if any.
func (o crmOptions) salesforceTokens() []salesforce.Option {
	if o.tokens == nil {
		return nil
	}
	return []salesforce.Option{salesforce.WithTokenStore(tokenStore{o.tokens}, o.account)}
}

// tokenStore is the state store as the adapter's TokenStore.
type tokenStore struct{ s state.TokenStore }

func (t tokenStore) Load(ctx context.Context, key string) (string, error) {
	return t.s.RefreshToken(ctx, key)
}

func (t tokenStore) Save(ctx context.Context, key, token string) error {
	return t.s.SaveRefreshToken(ctx, key, token)
}
