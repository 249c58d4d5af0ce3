package lushatest

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/leadsync/leadsync/lusha"
)

// Server is a fake Lusha V3 API over a World. It is an http.Handler; Start
// serves it on an address, NewTestServer on a loopback test server.
type Server struct {
	world *World
	opts  Options
	mux   *http.ServeMux

	mu       sync.Mutex
	accounts map[string]*account // by API key
	charges  []Charge
	chaos    float64
	rng      *rand.Rand
	scripted []failure

	signals  []Signal                     // newest first
	sessions map[string]*lookalikeSession // lookalike dedupe sessions by id
	jobs     map[string]*waterfallJob     // Data Waterfall jobs by id

	// Webhook deliveries run on goroutines owned by the server: started under mu
	// unless closed, cancelled through ctx and awaited by Close.
	ctx        context.Context
	cancel     context.CancelFunc
	closed     bool
	deliveries sync.WaitGroup

	closing   chan struct{}
	closeOnce sync.Once
	httpSrv   *http.Server
	serveDone chan struct{}
	testSrv   *httptest.Server
	url       string
}

// failure is one scripted answer.
type failure struct {
	status  int
	message string
}

// NewServer returns a fake Lusha serving w. It does not listen yet.
func NewServer(w *World, opts Options) *Server {
	opts = opts.withDefaults()
	s := &Server{
		world:    w,
		opts:     opts,
		accounts: map[string]*account{},
		chaos:    opts.Chaos,
		rng:      rand.New(rand.NewPCG(uint64(opts.Seed), 0x1a5a)),
		closing:  make(chan struct{}),
		signals:  slices.Clone(w.Signals),
		sessions: map[string]*lookalikeSession{},
		jobs:     map[string]*waterfallJob{},
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.accounts[opts.APIKey] = newAccount(s.nextAccountID(), "default", opts.Credits, opts.Limits)
	s.accounts[opts.APIKey].waterfall = opts.Waterfall
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("POST /v3/contacts/search", s.handleContactsSearch)
	s.mux.HandleFunc("POST /v3/contacts/enrich", s.handleContactsEnrich)
	s.mux.HandleFunc("POST /v3/contacts/search-and-enrich", s.handleContactsSearchAndEnrich)
	s.mux.HandleFunc("POST /v3/companies/search", s.handleCompaniesSearch)
	s.mux.HandleFunc("POST /v3/companies/enrich", s.handleCompaniesEnrich)
	s.mux.HandleFunc("GET /v3/account/usage", s.handleUsage)
	s.routeV3Extras()
	s.routeWebhooks()
	return s
}

// nextAccountID numbers accounts in creation order; callers hold mu or own s.
func (s *Server) nextAccountID() string { return strconv.Itoa(431705 + len(s.accounts)) }

// NewTestServer starts a fake on a loopback port for one test and closes it
// when the test ends.
func NewTestServer(tb testing.TB, w *World, opts Options) *Server {
	tb.Helper()
	s := NewServer(w, opts)
	s.testSrv = httptest.NewServer(s)
	s.url = s.testSrv.URL
	tb.Cleanup(s.Close)
	return s
}

// Start serves on addr (e.g. "127.0.0.1:0") until Close.
func (s *Server) Start(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	s.httpSrv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	s.url = "http://" + ln.Addr().String()
	s.serveDone = make(chan struct{})
	go func() {
		defer close(s.serveDone)
		_ = s.httpSrv.Serve(ln) // returns http.ErrServerClosed on Close
	}()
	return nil
}

// URL is the base URL clients should use, once started.
func (s *Server) URL() string { return s.url }

// APIKey is the key of the default account.
func (s *Server) APIKey() string { return s.opts.APIKey }

// Client returns a lusha.Client for the default account pointed at this server.
func (s *Server) Client(opts ...lusha.Option) *lusha.Client {
	return lusha.NewClient(s.opts.APIKey, append([]lusha.Option{lusha.WithBaseURL(s.url)}, opts...)...)
}

// Close stops serving and releases delayed (chaos) answers at once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.closing)
		s.stopDeliveries()
		if s.testSrv != nil {
			s.testSrv.Close()
		}
		if s.httpSrv != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := s.httpSrv.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
				_ = s.httpSrv.Close()
			}
			<-s.serveDone
		}
	})
}

// AddAccount adds an account with its own credits, ledger and windows.
func (s *Server) AddAccount(name, apiKey string, credits int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.accounts[apiKey] = newAccount(s.nextAccountID(), name, credits, s.opts.Limits)
}

// Charges returns a copy of the billing ledger, one entry per billed call.
func (s *Server) Charges() []Charge {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Charge, len(s.charges))
	for i, c := range s.charges {
		c.Items, c.Unbilled = slices.Clone(c.Items), slices.Clone(c.Unbilled)
		out[i] = c
	}
	return out
}

// CreditsUsed is what the default account has spent.
func (s *Server) CreditsUsed() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accounts[s.opts.APIKey].creditsUsed
}

// SetCredits leaves the default account exactly n credits to spend.
func (s *Server) SetCredits(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accounts[s.opts.APIKey]
	a.creditsTotal = a.creditsUsed + n
}

// SetPricing changes the price list of every account, as a new contract would: the
// usage answer serves it and calls are billed by it from now on.
func (s *Server) SetPricing(p Pricing) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opts.Pricing = p.withDefaults()
}

// SetChaos changes the share of requests that fail or are delayed.
func (s *Server) SetChaos(rate float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.chaos = rate
}

// FailNext answers the next n requests with status and Lusha's documented body
// for it (for 429, the per-minute message).
func (s *Server) FailNext(n, status int) { s.FailNextWith(n, status, "") }

// FailNextWith answers the next n requests with status and message.
func (s *Server) FailNextWith(n, status int, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.scripted = append(s.scripted, failure{status: status, message: message})
	}
}

// ServeHTTP answers one request: scripted failures and chaos first, then
// authentication, rate windows and the endpoint.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f, slow := s.injectedFailure(); f != nil {
		s.writeError(w, nil, f.status, f.message)
		return
	} else if slow && !s.sleep(r.Context()) {
		return
	}
	acct := s.authenticate(r)
	if acct == nil {
		s.writeError(w, nil, http.StatusUnauthorized, "")
		return
	}
	now := s.opts.Now()
	s.mu.Lock()
	refused := acct.windows.admit(now, kindOf(r.URL.Path))
	acct.windows.setHeaders(w.Header(), now)
	s.mu.Unlock()
	if refused != nil {
		s.writeError(w, nil, http.StatusTooManyRequests, refused.message(now))
		return
	}
	s.mux.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), accountKey{}, acct)))
}

type accountKey struct{}

func accountOf(r *http.Request) *account { return r.Context().Value(accountKey{}).(*account) }

func (s *Server) authenticate(r *http.Request) *account {
	key := r.Header.Get("api_key")
	if key == "" {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accounts[key]
}

// injectedFailure pops a scripted failure, or rolls the chaos dice: a 500, a
// 503, a 429, or (slow=true) a delayed but otherwise normal answer.
func (s *Server) injectedFailure() (f *failure, slow bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.scripted) > 0 {
		f := s.scripted[0]
		s.scripted = s.scripted[1:]
		return &f, false
	}
	if s.chaos <= 0 || s.rng.Float64() >= s.chaos {
		return nil, false
	}
	switch s.rng.IntN(4) {
	case 0:
		return &failure{status: http.StatusInternalServerError}, false
	case 1:
		return &failure{status: http.StatusServiceUnavailable}, false
	case 2:
		return &failure{status: http.StatusTooManyRequests}, false
	default:
		return nil, true
	}
}

// sleep waits SlowDelay; false when the client gave up or the server closes.
func (s *Server) sleep(ctx context.Context) bool {
	t := time.NewTimer(s.opts.SlowDelay)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-s.closing:
		return false
	}
}
