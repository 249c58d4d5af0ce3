package salesforce

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/internal/httpx"
)

// secret keeps a credential out of every formatted output.
type secret string

func (secret) String() string   { return "<redacted>" }
func (secret) GoString() string { return "<redacted>" }

// grant is one OAuth flow. Its TokenSource makes one token request under ctx (which
// carries the client's HTTP client as oauth2.HTTPClient), dated now; x/oauth2 does
// the wire work and reports a refusal as *oauth2.RetrieveError.
type grant interface {
	source(ctx context.Context, tokenURL string, now time.Time) oauth2.TokenSource
	name() string
}

func newGrant(cfg Config) (grant, error) {
	if cfg.ClientID == "" {
		return nil, errors.New("client id is required")
	}
	switch {
	case cfg.PrivateKeyFile != "" || len(cfg.PrivateKeyPEM) > 0:
		if cfg.Username == "" {
			return nil, errors.New("the JWT bearer grant needs a username")
		}
		pemBytes := cfg.PrivateKeyPEM
		if len(pemBytes) == 0 {
			b, err := os.ReadFile(cfg.PrivateKeyFile)
			if err != nil {
				return nil, fmt.Errorf("read private key: %w", err)
			}
			pemBytes = b
		}
		key, err := parseRSAKey(pemBytes)
		if err != nil {
			return nil, err
		}
		return &jwtGrant{clientID: cfg.ClientID, username: cfg.Username, audience: audience(cfg), key: key}, nil
	case cfg.RefreshToken != "":
		return &refreshGrant{clientID: cfg.ClientID, secret: new(secret(cfg.ClientSecret)), token: new(secret(cfg.RefreshToken))}, nil
	case cfg.ClientSecret != "":
		return &clientCredentialsGrant{clientID: cfg.ClientID, secret: new(secret(cfg.ClientSecret))}, nil
	}
	return nil, errors.New("no credentials: set a private key, a refresh token or a client secret")
}

type clientCredentialsGrant struct {
	clientID string
	secret   *secret
}

func (g *clientCredentialsGrant) name() string { return "client credentials" }

func (g *clientCredentialsGrant) source(ctx context.Context, tokenURL string, _ time.Time) oauth2.TokenSource {
	cfg := &clientcredentials.Config{ClientID: g.clientID, ClientSecret: string(*g.secret), TokenURL: tokenURL,
		AuthStyle: oauth2.AuthStyleInParams}
	return cfg.TokenSource(ctx)
}

// refreshGrant renews the session with a refresh token. token changes when the org
// rotates it; token requests run one at a time (authenticator.turn), so no lock.
type refreshGrant struct {
	clientID      string
	secret, token *secret
	keep          *tokenBinding // nil: the token lives in memory only
	key           string        // its chain in keep
	loaded        bool
}

func (g *refreshGrant) name() string { return "refresh token" }

// source refreshes from the current token. The client secret is sent only when set
// (the connected app may not require it for the refresh token flow).
func (g *refreshGrant) source(ctx context.Context, tokenURL string, _ time.Time) oauth2.TokenSource {
	cfg := &oauth2.Config{ClientID: g.clientID, ClientSecret: string(*g.secret),
		Endpoint: oauth2.Endpoint{TokenURL: tokenURL, AuthStyle: oauth2.AuthStyleInParams}}
	return cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: string(*g.token)})
}

// session is one access token and the instance it is valid for.
type session struct {
	token       *secret
	instanceURL string
}

// authenticator holds the current session. One token request runs at a time; calls
// that find their session stale wait for it instead of asking again.
type authenticator struct {
	tokenURL string
	grant    grant
	client   *Client
	http     *http.Client  // the client's, as tokenHTTP adapts it
	turn     chan struct{} // a one-slot semaphore that, unlike a mutex, honours ctx

	mu      sync.Mutex
	current *session
}

func newAuthenticator(tokenURL string, g grant, c *Client) *authenticator {
	if rg, ok := g.(*refreshGrant); ok && c.tokens != nil {
		rg.keep, rg.key = c.tokens, c.tokens.key(string(*rg.token))
	}
	return &authenticator{tokenURL: tokenURL, grant: g, client: c, http: tokenHTTP(c.http), turn: make(chan struct{}, 1)}
}

// session returns the current session, authenticating first if there is none.
func (a *authenticator) session(ctx context.Context) (*session, error) {
	return a.renew(ctx, nil)
}

// renew replaces stale (nil: none yet) with a fresh session, unless another call
// already did.
func (a *authenticator) renew(ctx context.Context, stale *session) (*session, error) {
	a.mu.Lock()
	if cur := a.current; cur != nil && cur != stale {
		a.mu.Unlock()
		return cur, nil
	}
	a.mu.Unlock()
	select {
	case a.turn <- struct{}{}:
	case <-ctx.Done():
		return nil, a.client.api.TransportError(ctx, "authenticate", ctx.Err())
	}
	defer func() { <-a.turn }()
	a.mu.Lock()
	if cur := a.current; cur != nil && cur != stale {
		a.mu.Unlock()
		return cur, nil
	}
	a.mu.Unlock()
	s, err := a.fetch(ctx)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	a.current = s
	a.mu.Unlock()
	return s, nil
}

// fetch runs the grant against the token endpoint. A refresh token grant starts from
// its stored token, adopts and stores the one a rotation hands out, and, refused with
// invalid_grant, tries once more with a newer stored token (another process rotated
// it).
func (a *authenticator) fetch(ctx context.Context) (*session, error) {
	rg, ok := a.grant.(*refreshGrant)
	if !ok {
		s, _, err := a.exchange(ctx)
		return s, err
	}
	op := "authenticate (" + a.grant.name() + ")"
	if err := rg.load(ctx); err != nil {
		return nil, storeError(op, err)
	}
	s, next, err := a.exchange(ctx)
	if ce, ok := errors.AsType[*crm.Error](err); ok && ce.Code == "invalid_grant" && rg.reload(ctx) {
		s, next, err = a.exchange(ctx)
	}
	if err != nil {
		return nil, err
	}
	if err := rg.rotate(ctx, next); err != nil {
		return nil, storeError(op, err)
	}
	return s, nil
}

// exchange sends the grant's token request once; next is the refresh token the answer
// carries, if any (for the refresh grant, x/oauth2 fills in the one sent when the
// answer has none).
func (a *authenticator) exchange(ctx context.Context) (s *session, next string, err error) {
	op := "authenticate (" + a.grant.name() + ")"
	// Not httpx.Client.Send: a failed token request is not the call the caller asked
	// for, so its errors must not say that call was sent.
	octx := context.WithValue(ctx, oauth2.HTTPClient, a.http)
	tok, err := a.grant.source(octx, a.tokenURL, a.client.now()).Token()
	if err != nil {
		return nil, "", a.tokenError(ctx, op, err)
	}
	// Salesforce's answer has no expires_in (reference §2.1): the session lasts until
	// a call is refused with INVALID_SESSION_ID, so tok.Expiry is not used.
	instance, _ := tok.Extra("instance_url").(string)
	u, err := url.Parse(instance)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, "", &crm.Error{Service: service, Op: op, Class: crm.ClassAuth, Status: http.StatusOK,
			Message: "token answer without a usable instance_url"}
	}
	return &session{token: new(secret(tok.AccessToken)), instanceURL: strings.TrimRight(instance, "/")}, tok.RefreshToken, nil
}

// tokenError classifies a failed token request. Never wrapped: *oauth2.RetrieveError,
// whose text repeats the answer's body.
func (a *authenticator) tokenError(ctx context.Context, op string, err error) error {
	if ce, ok := errors.AsType[*crm.Error](err); ok {
		return ce
	}
	if re, ok := errors.AsType[*oauth2.RetrieveError](err); ok {
		status := 0
		if re.Response != nil {
			status = re.Response.StatusCode
		}
		return classifyToken(op, status, re.ErrorCode, re.ErrorDescription)
	}
	if _, ok := errors.AsType[*url.Error](err); ok || ctx.Err() != nil {
		return a.client.api.TransportError(ctx, op, err)
	}
	// A 2xx answer x/oauth2 could not use (no JSON, no access_token), or a body cut
	// short: the token service misbehaved, worth a later retry. Its text quotes
	// neither the request nor the answer's token.
	return &crm.Error{Service: service, Op: op, Class: crm.ClassUnavailable,
		Message: "token answer without an access token", Err: err}
}

// classifyToken reads the OAuth error shape ({"error","error_description"}), which
// never echoes the credential.
func classifyToken(op string, status int, code, description string) *crm.Error {
	e := &crm.Error{Service: service, Op: op, Status: status, Code: code, Message: httpx.Excerpt(description)}
	switch {
	case status >= 500:
		e.Class = crm.ClassUnavailable
	case status == http.StatusTooManyRequests || code == "rate_limit_exceeded":
		e.Class = crm.ClassRateLimited
	default:
		// invalid_grant, invalid_client, unsupported_grant_type, inactive_user …: a
		// configuration or approval problem that no retry fixes.
		e.Class = crm.ClassAuth
	}
	return e
}
