package salesforce_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/salesforce"
	"github.com/leadsync/leadsync/crm/salesforce/salesforcetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// testKey is one RSA key pair for every test: generating keys is slow.
var testKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

func keyPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(testKey())})
}

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
	fake   *salesforcetest.Server
	client *salesforce.Client
	clock  *clock
	url    string
}

// setup starts a fake org on 127.0.0.1:0 and a JWT-authenticated client pointed at it.
func setup(t *testing.T, opts salesforcetest.Options, copts ...salesforce.Option) *env {
	t.Helper()
	return setupBehind(t, opts, func(fake http.Handler) http.Handler { return fake }, copts...)
}

// setupBehind is setup with the fake behind front, a proxy that may lose answers.
func setupBehind(t *testing.T, opts salesforcetest.Options, front func(fake http.Handler) http.Handler,
	copts ...salesforce.Option) *env {
	t.Helper()
	clk := newClock()
	if opts.Clock == nil {
		opts.Clock = clk.Now
	}
	opts.PublicKey = &testKey().PublicKey
	fake := salesforcetest.NewServer(opts)
	ts := httptest.NewServer(front(fake))
	t.Cleanup(ts.Close)
	cfg := salesforce.Config{LoginURL: ts.URL, ClientID: fake.ClientID(), Username: fake.Username(), PrivateKeyPEM: keyPEM()}
	c, err := salesforce.New(cfg, append([]salesforce.Option{salesforce.WithHTTPClient(ts.Client()),
		salesforce.WithClock(clk.Now), salesforce.WithSettleLag(0)}, copts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return &env{fake: fake, client: c, clock: clk, url: ts.URL}
}

// readAll drains one Changes call.
func readAll(t *testing.T, c crm.Source, req crm.ChangesRequest) ([]crm.Page, error) {
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
