package hubspot

import (
	"net/http"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/internal/httpx"
)

// DefaultBaseURL is HubSpot's public API host.
const DefaultBaseURL = "https://api.hubapi.com"

const (
	// DefaultOverlap re-reads this much before the last watermark, because the search
	// index lags writes: a record written just before the previous window's end may
	// only have become searchable after that window was read.
	DefaultOverlap = 60 * time.Second
	// DefaultSettleLag keeps the window's upper bound this far behind now, so that
	// most writes are indexed before their window is read.
	DefaultSettleLag = 10 * time.Second
	// maxSearchLimit is HubSpot's page size cap for search.
	maxSearchLimit = 200
	// searchResultCap is the deepest offset the search API serves per query.
	searchResultCap = 10000
	// batchSize is HubSpot's input cap for batch endpoints.
	batchSize = 100
)

var _ crm.Adapter = (*Client)(nil)

// Client talks to one HubSpot account. It is safe for concurrent use.
type Client struct {
	// token is behind a pointer so that even printing a copy of the struct
	// (which bypasses its methods) shows an address, not the token.
	token      *secret
	baseURL    string
	http       *http.Client
	api        *httpx.Client
	overlap    time.Duration
	settleLag  time.Duration
	now        func() time.Time
	oauth      *OAuthConfig
	auth       authenticator
	limits     Limits
	newLimiter func(string, rate.Limit, int) Limiter // nil: the client's own
	pace       *pacer
}

// Option configures a Client.
type Option func(*Client)

// WithBaseURL points the client at another host (a fake, a proxy).
func WithBaseURL(u string) Option {
	return func(c *Client) { c.baseURL = strings.TrimRight(u, "/") }
}

// WithHTTPClient replaces the HTTP client (timeouts, transports, OAuth).
func WithHTTPClient(h *http.Client) Option {
	return func(c *Client) { c.http = h }
}

// WithOverlap sets how far before the stored watermark a new read window starts.
func WithOverlap(d time.Duration) Option {
	return func(c *Client) { c.overlap = max(d, 0) }
}

// WithSettleLag sets how far behind now a read window ends.
func WithSettleLag(d time.Duration) Option {
	return func(c *Client) { c.settleLag = max(d, 0) }
}

// WithClock replaces time.Now for window bounds and OAuth token expiry (tests,
// simulations). Pacing keeps real time: it spaces real requests.
func WithClock(now func() time.Time) Option {
	return func(c *Client) { c.now = now }
}

// New returns a client authenticating with a private-app token, or through
// WithOAuth (token is then unused). It paces itself to the free tier's limits
// unless WithTier or WithLimits says otherwise.
func New(token string, opts ...Option) *Client {
	c := &Client{
		token:     new(secret(token)),
		baseURL:   DefaultBaseURL,
		http:      &http.Client{Timeout: 60 * time.Second},
		overlap:   DefaultOverlap,
		settleLag: DefaultSettleLag,
		now:       time.Now,
		limits:    TierLimits(TierFree),
	}
	for _, o := range opts {
		o(c)
	}
	c.api = &httpx.Client{Service: service, HTTP: c.http, MaxBody: maxBody, Classify: classify}
	c.auth = staticToken{c.token}
	if c.oauth != nil {
		c.auth = newOAuthSource(*c.oauth, c)
		c.oauth = nil // the source holds what it needs; the secret is kept in one place
	}
	c.pace = newPacer(c.limits, c.newLimiter)
	return c
}

// String names the client without its token.
func (c *Client) String() string { return "hubspot.Client(" + c.baseURL + ")" }

// BatchSize is HubSpot's batch input cap.
func (c *Client) BatchSize() int { return batchSize }

// secret keeps the token out of every formatted output.
type secret string

func (secret) String() string   { return "<redacted>" }
func (secret) GoString() string { return "<redacted>" }

// GoString keeps %#v from printing the token through reflection.
func (c *Client) GoString() string { return c.String() }
