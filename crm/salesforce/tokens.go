package salesforce

import (
	"context"
	"crypto/sha256"
	"encoding/hex"

	"github.com/leadsync/leadsync/crm"
)

// TokenStore keeps the refresh token of an account across processes. With refresh
// token rotation on, each renewal answers with a new refresh token and kills the one
// sent (reference §2.4): the token in the configuration is dead after the first
// renewal, so the current one must be stored, or no restarted process could
// authenticate again.
type TokenStore interface {
	// Load returns the token stored under key, "" when there is none.
	Load(ctx context.Context, key string) (string, error)
	// Save stores token under key, replacing the one there.
	Save(ctx context.Context, key, token string) error
}

// WithTokenStore keeps the refresh token grant's current token in store, under the
// account's name. It has no effect on the other grants, which hand out no refresh
// token.
func WithTokenStore(store TokenStore, account string) Option {
	return func(c *Client) { c.tokens = &tokenBinding{store: store, account: account} }
}

type tokenBinding struct {
	store   TokenStore
	account string
}

// key names the chain of tokens that starts at the configured one: a token stored
// for an older configured token (the account was authorised again) is not used.
// The configured token enters the key only as a digest.
func (b *tokenBinding) key(configured string) string {
	sum := sha256.Sum256([]byte(configured))
	return b.account + "#" + hex.EncodeToString(sum[:8])
}

// load starts the grant from the stored token of its chain, once.
func (g *refreshGrant) load(ctx context.Context) error {
	if g.keep == nil || g.loaded {
		return nil
	}
	t, err := g.keep.store.Load(ctx, g.key)
	if err != nil {
		return err
	}
	if t != "" {
		g.token = new(secret(t))
	}
	g.loaded = true
	return nil
}

// rotate adopts the refresh token a renewal answered with ("" or the same: none) and
// stores it. The old one is dead either way, so the new one is kept in memory even
// when it cannot be stored; the next renewal stores its successor.
func (g *refreshGrant) rotate(ctx context.Context, next string) error {
	if next == "" || next == string(*g.token) {
		return nil
	}
	g.token = new(secret(next))
	if g.keep == nil {
		return nil
	}
	return g.keep.store.Save(ctx, g.key, next)
}

// reload reports whether the store holds a token other than the one just refused:
// another process sharing the store rotated it.
func (g *refreshGrant) reload(ctx context.Context) bool {
	if g.keep == nil {
		return false
	}
	t, err := g.keep.store.Load(ctx, g.key)
	if err != nil || t == "" || t == string(*g.token) {
		return false
	}
	g.token = new(secret(t))
	return true
}

// storeError classifies a token store failure: local, and worth a later retry.
func storeError(op string, err error) error {
	return &crm.Error{Service: service, Op: op, Class: crm.ClassUnavailable,
		Message: "the stored refresh token could not be read or saved", Err: err}
}
