package hubspot

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/internal/httpx"
)

// OAuthConfig is a public app's credentials for one installing account.
type OAuthConfig struct {
	ClientID     string
	ClientSecret string
	RefreshToken string
	// TokenURL defaults to the client's base URL + /oauth/v1/token.
	TokenURL string
	// RefreshBefore renews the access token this long before it expires (5 minutes).
	RefreshBefore time.Duration
	// OnRefreshToken, if set, is called when HubSpot hands out a refresh token
	// different from the one in use, so that the caller can persist it.
	OnRefreshToken func(refreshToken string)
}

// DefaultRefreshBefore leaves room for a slow refresh and clock skew.
const DefaultRefreshBefore = 5 * time.Minute

// WithOAuth authenticates with OAuth 2.0 access tokens obtained from the refresh
// token (POST /oauth/v1/token, form-encoded) instead of a private-app token. The
// access token is renewed before it expires and once when a call answers 401.
func WithOAuth(cfg OAuthConfig) Option {
	return func(c *Client) { c.oauth = &cfg }
}

// authenticator supplies the bearer token of each call.
type authenticator interface {
	token(ctx context.Context) (secret, error)
	// invalidate reports whether a call refused with tok is worth sending again with
	// a newer token.
	invalidate(tok secret) bool
}

type staticToken struct{ tok *secret }

func (s staticToken) token(context.Context) (secret, error) { return *s.tok, nil }
func (staticToken) invalidate(secret) bool                  { return false }

// oauthSource refreshes access tokens. x/oauth2 does the wire work (form encoding,
// error parsing); expiry is kept here on the client's clock.
type oauthSource struct {
	cfg           oauth2.Config
	api           *httpx.Client // its HTTP client carries the token requests too
	now           func() time.Time
	refreshBefore time.Duration
	onRotate      func(string)

	mu      sync.Mutex
	refresh *secret
	access  *secret // nil: none yet or refused
	expiry  time.Time
}

func newOAuthSource(cfg OAuthConfig, c *Client) *oauthSource {
	tokenURL := cmpOrString(cfg.TokenURL, c.baseURL+"/oauth/v1/token")
	return &oauthSource{
		cfg: oauth2.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
			Endpoint: oauth2.Endpoint{TokenURL: tokenURL, AuthStyle: oauth2.AuthStyleInParams}},
		api:           c.api,
		now:           c.now,
		refreshBefore: cmpOr(cfg.RefreshBefore, DefaultRefreshBefore),
		onRotate:      cfg.OnRefreshToken,
		refresh:       new(secret(cfg.RefreshToken)),
	}
}

func (o *oauthSource) token(ctx context.Context) (secret, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.access != nil && o.now().Before(o.expiry.Add(-o.refreshBefore)) {
		return *o.access, nil
	}
	// Callers wait on the mutex while one refresh runs: one refresh, not one per
	// pipeline.
	started := o.now()
	ctx = context.WithValue(ctx, oauth2.HTTPClient, o.api.HTTP)
	tok, err := o.cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: string(*o.refresh)}).Token()
	if err != nil {
		return "", o.refreshError(ctx, err)
	}
	lifetime := time.Duration(tok.ExpiresIn) * time.Second
	if lifetime <= 0 {
		lifetime = 30 * time.Minute // HubSpot's documented lifetime
	}
	o.access, o.expiry = new(secret(tok.AccessToken)), started.Add(lifetime)
	if tok.RefreshToken != "" && tok.RefreshToken != string(*o.refresh) {
		o.refresh = new(secret(tok.RefreshToken))
		if o.onRotate != nil {
			o.onRotate(tok.RefreshToken)
		}
	}
	return *o.access, nil
}

func (o *oauthSource) invalidate(tok secret) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.access != nil && *o.access == tok {
		o.access = nil
	}
	return true
}

// refreshError classifies a failed refresh without repeating the answer's body,
// which the token endpoint may fill with what it was sent.
func (o *oauthSource) refreshError(ctx context.Context, err error) error {
	const op = "refresh OAuth token"
	re, ok := errors.AsType[*oauth2.RetrieveError](err)
	if !ok {
		return o.api.TransportError(ctx, op, err)
	}
	e := &crm.Error{Service: service, Op: op, Code: re.ErrorCode, Message: httpx.Excerpt(re.ErrorDescription)}
	if re.Response != nil {
		e.Status = re.Response.StatusCode
	}
	switch {
	case e.Status == http.StatusTooManyRequests:
		e.Class = crm.ClassRateLimited
	case e.Status >= 500 || e.Status == 0 && re.ErrorCode == "":
		e.Class = crm.ClassUnavailable
	default:
		// invalid_grant, invalid_client, …: the credentials are wrong or revoked.
		e.Class = crm.ClassAuth
		if e.Message == "" {
			e.Message = strings.ReplaceAll(re.ErrorCode, "_", " ")
		}
	}
	return e
}
