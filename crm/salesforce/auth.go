package salesforce

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/internal/httpx"
)

// secret keeps a credential out of every formatted output.
type secret string

func (secret) String() string   { return "<redacted>" }
func (secret) GoString() string { return "<redacted>" }

// grant builds the token request form of one OAuth flow.
type grant interface {
	form(now time.Time) (url.Values, error)
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

// parseRSAKey reads a PKCS #1 or PKCS #8 RSA private key. Errors never quote the key.
func parseRSAKey(pemBytes []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, errors.New("private key: no PEM block found")
	}
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, errors.New("private key: neither PKCS #1 nor PKCS #8")
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New("private key: not an RSA key (Salesforce accepts RS256 only)")
	}
	return rk, nil
}

// audience is the JWT aud Salesforce expects: the generic login or sandbox host even
// when the token request goes to My Domain.
func audience(cfg Config) string {
	if cfg.Audience != "" {
		return cfg.Audience
	}
	u, err := url.Parse(cfg.LoginURL)
	if err == nil && (u.Host == "test.salesforce.com" || strings.Contains(u.Host, ".sandbox.")) {
		return "https://test.salesforce.com"
	}
	return DefaultLoginURL
}

const jwtBearerGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer"

// assertionLifetime keeps the signed assertion short-lived; it is not the session's
// lifetime.
const assertionLifetime = 3 * time.Minute

type jwtGrant struct {
	clientID, username, audience string
	key                          *rsa.PrivateKey
}

func (g *jwtGrant) name() string { return "JWT bearer" }

// GoString keeps %#v from printing the key.
func (g *jwtGrant) GoString() string { return "jwtGrant(<redacted>)" }

func (g *jwtGrant) form(now time.Time) (url.Values, error) {
	header := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"RS256","typ":"JWT"}`))
	claims, _ := json.Marshal(map[string]any{"iss": g.clientID, "sub": g.username, "aud": g.audience,
		"exp": now.Add(assertionLifetime).Unix()})
	signing := header + "." + base64.RawURLEncoding.EncodeToString(claims)
	digest := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, g.key, crypto.SHA256, digest[:])
	if err != nil {
		return nil, fmt.Errorf("sign JWT assertion: %w", err)
	}
	return url.Values{"grant_type": {jwtBearerGrant}, "assertion": {signing + "." + base64.RawURLEncoding.EncodeToString(sig)}}, nil
}

type clientCredentialsGrant struct {
	clientID string
	secret   *secret
}

func (g *clientCredentialsGrant) name() string { return "client credentials" }

func (g *clientCredentialsGrant) form(time.Time) (url.Values, error) {
	return url.Values{"grant_type": {"client_credentials"}, "client_id": {g.clientID}, "client_secret": {string(*g.secret)}}, nil
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

func (g *refreshGrant) form(time.Time) (url.Values, error) {
	v := url.Values{"grant_type": {"refresh_token"}, "client_id": {g.clientID}, "refresh_token": {string(*g.token)}, "format": {"json"}}
	if *g.secret != "" {
		v.Set("client_secret", string(*g.secret))
	}
	return v, nil
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
	turn     chan struct{} // a one-slot semaphore that, unlike a mutex, honours ctx

	mu      sync.Mutex
	current *session
}

func newAuthenticator(tokenURL string, g grant, c *Client) *authenticator {
	if rg, ok := g.(*refreshGrant); ok && c.tokens != nil {
		rg.keep, rg.key = c.tokens, c.tokens.key(string(*rg.token))
	}
	return &authenticator{tokenURL: tokenURL, grant: g, client: c, turn: make(chan struct{}, 1)}
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

type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	InstanceURL  string `json:"instance_url"`
	TokenType    string `json:"token_type"`
	RefreshToken string `json:"refresh_token"` // only when the org rotates refresh tokens
}

type tokenError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
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
// carries, if any.
func (a *authenticator) exchange(ctx context.Context) (s *session, next string, err error) {
	op := "authenticate (" + a.grant.name() + ")"
	form, err := a.grant.form(a.client.now())
	if err != nil {
		return nil, "", &crm.Error{Service: service, Op: op, Class: crm.ClassAuth, Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, "", &crm.Error{Service: service, Op: op, Class: crm.ClassInvalid, Message: "build request", Err: err}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	// Not httpx.Client.Send: a failed token request is not the call the caller asked
	// for, so its errors must not say that call was sent.
	resp, err := a.client.http.Do(req)
	if err != nil {
		return nil, "", a.client.api.TransportError(ctx, op, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, httpx.MaxErrorBody))
	if err != nil {
		return nil, "", a.client.api.TransportError(ctx, op, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, "", classifyToken(op, resp.StatusCode, body)
	}
	var tr tokenResponse
	if err := json.Unmarshal(body, &tr); err != nil || tr.AccessToken == "" {
		return nil, "", &crm.Error{Service: service, Op: op, Class: crm.ClassUnavailable, Status: resp.StatusCode,
			Message: "token answer without an access token"}
	}
	u, err := url.Parse(tr.InstanceURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, "", &crm.Error{Service: service, Op: op, Class: crm.ClassAuth, Status: resp.StatusCode,
			Message: "token answer without a usable instance_url"}
	}
	return &session{token: new(secret(tr.AccessToken)), instanceURL: strings.TrimRight(tr.InstanceURL, "/")}, tr.RefreshToken, nil
}

// classifyToken reads the OAuth error shape ({"error","error_description"}), which
// never echoes the credential.
func classifyToken(op string, status int, body []byte) *crm.Error {
	var te tokenError
	_ = json.Unmarshal(body, &te)
	e := &crm.Error{Service: service, Op: op, Status: status, Code: te.Error, Message: httpx.Excerpt(te.Description)}
	switch {
	case status >= 500:
		e.Class = crm.ClassUnavailable
	case status == http.StatusTooManyRequests || te.Error == "rate_limit_exceeded":
		e.Class = crm.ClassRateLimited
	default:
		// invalid_grant, invalid_client, unsupported_grant_type, inactive_user …: a
		// configuration or approval problem that no retry fixes.
		e.Class = crm.ClassAuth
	}
	return e
}
