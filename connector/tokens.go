package connector

import (
	"context"

	"github.com/leadsync/leadsync/crm/salesforce"
	"github.com/leadsync/leadsync/state"
)

// CRMOption adds to what NewCRM builds from an account's configuration.
type CRMOption func(*crmOptions)

type crmOptions struct {
	tokens  state.TokenStore
	account string
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
