package hubspot_test

import (
	"context"
	"maps"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/hubspot"
	"github.com/leadsync/leadsync/crm/hubspot/hubspottest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// clock is a manual clock shared by the fake and the adapter.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type env struct {
	fake   *hubspottest.Server
	client *hubspot.Client
	clock  *clock
	url    string
}

// setup starts a fake HubSpot on 127.0.0.1:0 and a client pointed at it. Search
// rate limiting is off unless the test sets it: the manual clock does not move
// between requests.
func setup(t *testing.T, opts hubspottest.Options, copts ...hubspot.Option) *env {
	t.Helper()
	clk := newClock()
	if opts.Clock == nil {
		opts.Clock = clk.Now
	}
	if opts.SearchPerSecond == 0 {
		opts.SearchPerSecond = -1
	}
	if opts.BurstLimit == 0 {
		opts.BurstLimit = -1
	}
	fake := hubspottest.NewServer(opts)
	return setupHandler(t, fake, fake, clk, copts...)
}

func setupHandler(t *testing.T, fake *hubspottest.Server, h http.Handler, clk *clock, copts ...hubspot.Option) *env {
	t.Helper()
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	token := "stub-token"
	if fake != nil {
		token = fake.Token()
	}
	// Pacing is off unless the test sets it, like the fake's limits: it waits in real
	// time, which the manual clock does not follow.
	opts := append([]hubspot.Option{hubspot.WithBaseURL(ts.URL), hubspot.WithHTTPClient(ts.Client()),
		hubspot.WithClock(clk.Now), hubspot.WithSettleLag(0), hubspot.WithLimits(unpaced)}, copts...)
	return &env{fake: fake, client: hubspot.New(token, opts...), clock: clk, url: ts.URL}
}

// readAll drains one Changes call.
var unpaced = hubspot.Limits{SearchPerSecond: -1, Burst: -1}

func readAll(t *testing.T, c *hubspot.Client, req crm.ChangesRequest) ([]crm.Page, error) {
	t.Helper()
	var pages []crm.Page
	for p, err := range c.Changes(context.Background(), req) {
		if err != nil {
			return pages, err
		}
		pages = append(pages, p)
	}
	return pages, nil
}

func ids(pages []crm.Page) []string {
	var out []string
	for _, p := range pages {
		for _, r := range p.Records {
			out = append(out, r.ID)
		}
	}
	return out
}

// counter counts the calls that reach a handler, by method and path.
type counter struct {
	next http.Handler
	mu   sync.Mutex
	n    map[string]int
}

func (c *counter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	c.n[r.Method+" "+r.URL.Path]++
	c.mu.Unlock()
	c.next.ServeHTTP(w, r)
}

func (c *counter) counts() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.n)
}

// reset forgets the calls counted so far.
func (c *counter) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.n)
}
