package salesforcetest

import (
	"crypto/rsa"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Options configures a fake org. Zero values take the defaults noted.
type Options struct {
	// ClientID and ClientSecret identify the connected app ("" generates them).
	ClientID, ClientSecret string
	// Username is the integration user: the JWT subject and the client-credentials
	// "run as" user ("integration@leadsync.test").
	Username string
	// PublicKey verifies JWT bearer assertions; nil refuses the JWT grant.
	PublicKey *rsa.PublicKey
	// TokenTTL is how long an access token stays valid without use (2 h); a call with
	// it extends it, as Salesforce sessions slide.
	TokenTTL time.Duration
	// RotateRefreshTokens is the connected app's refresh token rotation: each refresh
	// answers with a new refresh token and the one sent is dead from then on.
	RotateRefreshTokens bool
	// DailyLimit is the number of API calls per day (100,000); negative: no limit.
	DailyLimit int
	// Clock replaces time.Now (tests, simulations).
	Clock func() time.Time
	// Chaos injects failures from the start; see SetChaos.
	Chaos Chaos
	// Seed makes chaos reproducible (0: random).
	Seed uint64
}

// Chaos is the share (0..1) of requests or records that fail or slow down.
type Chaos struct {
	// Unavailable answers data calls 503 SERVER_UNAVAILABLE (one in four 500
	// UNKNOWN_EXCEPTION instead).
	Unavailable float64
	// LockRow fails records of a collection update with UNABLE_TO_LOCK_ROW.
	LockRow float64
	// Slow delays answers by SlowDelay (1 s).
	Slow      float64
	SlowDelay time.Duration
}

const (
	defaultDailyLimit = 100000
	defaultTokenTTL   = 2 * time.Hour
	defaultSlowDelay  = time.Second
)

// Server is a fake Salesforce org. It is an http.Handler; Start serves it on an
// address of its own. instance_url is the host a client reached it by.
type Server struct {
	opts   Options
	mux    *http.ServeMux
	orgID  string
	userID string
	queue  string // the owner assignment rules move leads to

	mu        sync.Mutex
	objects   map[string]*object // lower-case name
	tokens    map[string]*session
	refresh   map[string]bool
	locators  map[string]*locator
	locOrder  []string
	nextLoc   uint64
	day       time.Time
	used      int
	chaos     Chaos
	rng       *rand.Rand
	authCalls int
	// purgedAt is when PurgeRecycleBin last emptied the recycle bin.
	purgedAt time.Time

	srv  *http.Server
	url  string
	done chan struct{}
}

// NewServer returns a fake org holding the standard Lead, Contact and Account fields
// and no records.
func NewServer(opts Options) *Server {
	if opts.ClientID == "" {
		opts.ClientID = "3MVG9" + randomToken(40)
	}
	if opts.ClientSecret == "" {
		opts.ClientSecret = randomToken(32)
	}
	if opts.Username == "" {
		opts.Username = "integration@leadsync.test"
	}
	opts.TokenTTL = cmpOrDuration(opts.TokenTTL, defaultTokenTTL)
	if opts.DailyLimit == 0 {
		opts.DailyLimit = defaultDailyLimit
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	seed := opts.Seed
	if seed == 0 {
		seed = rand.Uint64()
	}
	s := &Server{
		opts:   opts,
		orgID:  makeID(prefixOrg, 1),
		userID: makeID(prefixUser, 1),
		queue:  makeID(prefixQueue, 1),
		objects: map[string]*object{
			"lead":    newObject("Lead", "Leads", prefixLead, leadFields()),
			"contact": newObject("Contact", "Contacts", prefixContact, contactFields()),
			"account": newObject("Account", "Accounts", prefixAccount, accountFields()),
		},
		tokens:   map[string]*session{},
		refresh:  map[string]bool{},
		locators: map[string]*locator{},
		nextLoc:  1,
		rng:      rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
	}
	s.SetChaos(opts.Chaos)
	s.routes()
	return s
}

// ClientID is the connected app's consumer key.
func (s *Server) ClientID() string { return s.opts.ClientID }

// ClientSecret is the connected app's consumer secret.
func (s *Server) ClientSecret() string { return s.opts.ClientSecret }

// Username is the integration user's name.
func (s *Server) Username() string { return s.opts.Username }

// UserID is the integration user's id, the default owner of seeded records.
func (s *Server) UserID() string { return s.userID }

// AssignmentQueueID is the owner that the org's lead assignment rules give a lead
// updated without "Sforce-Auto-Assign: FALSE".
func (s *Server) AssignmentQueueID() string { return s.queue }

// SetChaos changes the failure injection of a running server.
func (s *Server) SetChaos(c Chaos) {
	c.SlowDelay = cmpOrDuration(c.SlowDelay, defaultSlowDelay)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.chaos = c
}

// roll draws one chaos decision.
func (s *Server) roll(share float64) bool {
	if share <= 0 {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rng.Float64() < share
}

// Start serves the fake on addr ("127.0.0.1:0" picks a free port).
func (s *Server) Start(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	s.url = "http://" + ln.Addr().String()
	s.done = make(chan struct{})
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			panic(fmt.Sprintf("salesforcetest: serve: %v", err))
		}
	}()
	return nil
}

// URL is the base URL of a started server: both the login URL and the instance URL.
func (s *Server) URL() string { return s.url }

// Close stops a started server and waits for it.
func (s *Server) Close() error {
	if s.srv == nil {
		return nil
	}
	err := s.srv.Close()
	<-s.done
	return err
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

func (s *Server) now() time.Time { return s.opts.Clock().UTC() }

// baseURL is the scheme and host the request reached the server by: the instance_url
// handed to clients, so that a fake behind httptest or a proxy still names itself.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func cmpOrDuration(d, fallback time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return fallback
}

// apiVersionOK accepts the path segment of any API version "vNN.N".
func apiVersionOK(v string) bool {
	rest, ok := strings.CutPrefix(v, "v")
	major, minor, ok2 := strings.Cut(rest, ".")
	return ok && ok2 && isDigits(major) && isDigits(minor)
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
