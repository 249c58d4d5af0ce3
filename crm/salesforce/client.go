package salesforce

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/internal/httpx"
)

const (
	// DefaultLoginURL is the production login host.
	DefaultLoginURL = "https://login.salesforce.com"
	// DefaultAPIVersion is the REST API version the client speaks (Winter '25).
	DefaultAPIVersion = "62.0"
	// DefaultSettleLag keeps reads this far behind now: SystemModstamp is taken when a
	// transaction starts, so a record stamped in the last seconds may commit after a
	// read has passed its stamp, and the keyset cursor would never go back for it.
	DefaultSettleLag = 10 * time.Second
	// batchSize is the sObject Collections record cap.
	batchSize = 200
	// minQueryBatch and maxQueryBatch bound Sforce-Query-Options: batchSize.
	minQueryBatch = 200
	maxQueryBatch = 2000
)

const service = "salesforce"

var _ crm.Adapter = (*Client)(nil)

// Config names the org and the credentials of one of three OAuth grants. The grant is
// chosen by what is set: a private key selects JWT bearer, a refresh token the refresh
// token grant, otherwise client credentials.
type Config struct {
	// LoginURL is the token host: login.salesforce.com, test.salesforce.com or the
	// org's My Domain (client credentials need My Domain). Default DefaultLoginURL.
	LoginURL string
	// ClientID is the connected app's consumer key.
	ClientID string
	// ClientSecret is the consumer secret (client credentials; refresh token when the
	// app requires it).
	ClientSecret string
	// Username is the integration user, the JWT subject.
	Username string
	// PrivateKeyFile or PrivateKeyPEM hold the RSA key (PKCS #1 or #8) that signs JWT
	// assertions; its certificate is uploaded to the connected app.
	PrivateKeyFile string
	PrivateKeyPEM  []byte
	// Audience overrides the JWT audience, by default https://test.salesforce.com for
	// sandbox login hosts and https://login.salesforce.com otherwise.
	Audience string
	// RefreshToken is a refresh token obtained once through the web server flow.
	RefreshToken string
	// APIVersion is "NN.N" (DefaultAPIVersion).
	APIVersion string
}

// String names the login host and client without any secret.
func (c Config) String() string {
	return fmt.Sprintf("salesforce.Config{LoginURL: %s, ClientID: %s, Username: %s, secrets: <redacted>}",
		c.LoginURL, c.ClientID, c.Username)
}

// GoString keeps %#v from printing the secrets.
func (c Config) GoString() string { return c.String() }

// Client talks to one Salesforce org. It is safe for concurrent use.
type Client struct {
	auth      *authenticator
	version   string // "v62.0"
	http      *http.Client
	api       *httpx.Client
	settleLag time.Duration
	lookback  time.Duration
	now       func() time.Time
	usage     atomic.Pointer[APIUsage]
	types     describeCache // the field types writes convert values to
	tokens    *tokenBinding // where a rotated refresh token is kept (WithTokenStore)
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient replaces the HTTP client (timeouts, transports); it also carries
// the token requests.
func WithHTTPClient(h *http.Client) Option { return func(c *Client) { c.http = h } }

// WithSettleLag sets how far behind now a read stops (DefaultSettleLag). Zero still
// leaves out the current second, whose records may not all be committed.
func WithSettleLag(d time.Duration) Option { return func(c *Client) { c.settleLag = max(d, 0) } }

// WithLookback sets how far before the last read's end a read looks again for
// records that long transactions committed late (DefaultLookback); zero turns it off.
func WithLookback(d time.Duration) Option { return func(c *Client) { c.lookback = max(d, 0) } }

// WithClock replaces time.Now for the read bound and JWT expiry (tests, simulations).
func WithClock(now func() time.Time) Option { return func(c *Client) { c.now = now } }

var versionSyntax = regexp.MustCompile(`^\d+\.\d$`)

// New checks the configuration and loads the private key; it makes no call. The
// first call authenticates.
func New(cfg Config, opts ...Option) (*Client, error) {
	cfg.LoginURL = strings.TrimRight(cmpOr(cfg.LoginURL, DefaultLoginURL), "/")
	cfg.APIVersion = strings.TrimPrefix(cmpOr(cfg.APIVersion, DefaultAPIVersion), "v")
	if !versionSyntax.MatchString(cfg.APIVersion) {
		return nil, fmt.Errorf("salesforce: API version %q is not NN.N", cfg.APIVersion)
	}
	g, err := newGrant(cfg)
	if err != nil {
		return nil, fmt.Errorf("salesforce: %w", err)
	}
	c := &Client{
		version:   "v" + cfg.APIVersion,
		http:      &http.Client{Timeout: 2 * time.Minute},
		settleLag: DefaultSettleLag,
		lookback:  DefaultLookback,
		now:       time.Now,
	}
	for _, o := range opts {
		o(c)
	}
	c.api = &httpx.Client{Service: service, HTTP: c.http, MaxBody: maxBody, Classify: classify}
	c.auth = newAuthenticator(cfg.LoginURL+"/services/oauth2/token", g, c)
	return c, nil
}

// String names the client without its credentials.
func (c *Client) String() string { return "salesforce.Client(" + c.auth.tokenURL + ")" }

// GoString keeps %#v from printing credentials through reflection.
func (c *Client) GoString() string { return c.String() }

// BatchSize is the sObject Collections cap.
func (c *Client) BatchSize() int { return batchSize }

// APIUsage is the org's API consumption as the last answer's Sforce-Limit-Info
// reported it: calls in the rolling 24 hours and the allocation.
type APIUsage struct {
	Used, Limit int
	At          time.Time
}

// APIUsage returns the last reported usage; ok is false before any answer carried it.
func (c *Client) APIUsage() (u APIUsage, ok bool) {
	if p := c.usage.Load(); p != nil {
		return *p, true
	}
	return APIUsage{}, false
}

var usageSyntax = regexp.MustCompile(`api-usage=(\d+)/(\d+)`)

// trackUsage records Sforce-Limit-Info; the pattern is unanchored because the header
// may carry per-app usage after it.
func (c *Client) trackUsage(h http.Header) {
	m := usageSyntax.FindStringSubmatch(h.Get("Sforce-Limit-Info"))
	if m == nil {
		return
	}
	used, err1 := strconv.Atoi(m[1])
	limit, err2 := strconv.Atoi(m[2])
	if errors.Join(err1, err2) == nil {
		c.usage.Store(&APIUsage{Used: used, Limit: limit, At: c.now()})
	}
}

func cmpOr(s, fallback string) string {
	if s != "" {
		return s
	}
	return fallback
}
