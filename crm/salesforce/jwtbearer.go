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
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/leadsync/leadsync/crm"
)

// The JWT bearer grant does not use golang.org/x/oauth2/jwt. Its claims would fit
// (Email → iss = consumer key, Subject → sub = username, Audience → aud, Expires →
// exp), but the rest does not:
//   - it dates the assertion with time.Now, so WithClock no longer governs exp (an
//     adapter whose clock is behind the org's must send an expired assertion, and
//     TestAuthExpiredJWT proves it does);
//   - it posts without the call's context (http.Client.PostForm on the context the
//     TokenSource was made with), so a canceled run would wait out a hanging token
//     request;
//   - its errors flatten transport failures with %v and leave RetrieveError's
//     ErrorCode empty, so invalid_grant could not be told from a 5xx without
//     parsing the body again;
//   - it parses the PEM again for every token and keeps it in an exported field.
// Its helper x/oauth2/jws is deprecated for outside use. So the assertion is signed
// here, on the client's clock, and jwtBearerSource is a small oauth2.TokenSource that
// hands the signed assertion to x/oauth2's two-legged token request
// (clientcredentials, whose grant_type may be overridden "for interoperability"):
// the request, its context, and the RFC 6749 answer and error parsing are x/oauth2's,
// the same as the other two grants.

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

func (g *jwtGrant) source(ctx context.Context, tokenURL string, now time.Time) oauth2.TokenSource {
	return &jwtBearerSource{ctx: ctx, grant: g, tokenURL: tokenURL, now: now}
}

// assertion signs the RS256 JWT Salesforce expects (reference §2.2): iss the
// consumer key, sub the username, aud the login host, exp a few minutes from now.
func (g *jwtGrant) assertion(now time.Time) (string, error) {
	header := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"RS256","typ":"JWT"}`))
	claims, err := json.Marshal(map[string]any{"iss": g.clientID, "sub": g.username, "aud": g.audience,
		"exp": now.Add(assertionLifetime).Unix()})
	if err != nil {
		return "", err
	}
	signing := header + "." + base64.RawURLEncoding.EncodeToString(claims)
	digest := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, g.key, crypto.SHA256, digest[:])
	if err != nil {
		return "", err
	}
	return signing + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

// jwtBearerSource makes one JWT bearer token request under ctx.
type jwtBearerSource struct {
	ctx      context.Context
	grant    *jwtGrant
	tokenURL string
	now      time.Time
}

func (s *jwtBearerSource) Token() (*oauth2.Token, error) {
	a, err := s.grant.assertion(s.now)
	if err != nil {
		return nil, &crm.Error{Service: service, Op: "authenticate (" + s.grant.name() + ")", Class: crm.ClassAuth,
			Message: "sign JWT assertion", Err: err}
	}
	// No client id or secret: the assertion is the client's authentication.
	cfg := clientcredentials.Config{TokenURL: s.tokenURL, AuthStyle: oauth2.AuthStyleInParams,
		EndpointParams: url.Values{"grant_type": {jwtBearerGrant}, "assertion": {a}}}
	return cfg.Token(s.ctx)
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
