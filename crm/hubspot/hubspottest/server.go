package hubspottest

import (
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// Options configures a fake HubSpot account. Zero values take HubSpot's documented
// defaults; a negative limit switches that limit off.
type Options struct {
	// Token is the private-app token the server accepts; "" generates one.
	Token string
	// OAuth is the public app whose refresh token the token endpoint accepts; zero
	// fields are generated.
	OAuth OAuthApp
	// SearchLag is how long a write takes to become visible to search.
	SearchLag time.Duration
	// Clock replaces time.Now (tests, simulations).
	Clock func() time.Time
	// Tier sets BurstLimit and DailyLimit when they are zero (TierFree by default).
	Tier Tier
	// BurstLimit is the number of non-search calls per rolling 10 seconds.
	BurstLimit int
	// DailyLimit is the number of calls per UTC day.
	DailyLimit int
	// SearchPerSecond is the number of search calls per rolling second (5).
	SearchPerSecond int
	// PortalID is the account id shown in rate-limit group names (1234567).
	PortalID int
	// Chaos is the share of API calls (0 to 1) that fail at random with a 5xx, a 429
	// or a slow answer; Seed makes the draw repeatable. See SetChaos.
	Chaos float64
	Seed  uint64
	// SlowAnswer is how long a chaos "slow answer" is held back (5 s).
	SlowAnswer time.Duration
	// AssociationPageSize is how many associations of one record a v4 batch read
	// returns before it pages (500; HubSpot does not document it).
	AssociationPageSize int
}

// Tier is an account's subscription, which sets its API limits (reference §9.1).
type Tier string

const (
	TierFree         Tier = "free" // also Starter
	TierProfessional Tier = "professional"
	TierEnterprise   Tier = "enterprise"
	// TierPublicApp is an OAuth (marketplace) app: 110 calls per 10 s, no daily limit.
	TierPublicApp Tier = "public_app"
)

// TierLimits returns the tier's burst (per rolling 10 s) and daily limits; -1 means
// none. An unknown tier has the free tier's limits.
func TierLimits(t Tier) (burst, daily int) {
	switch t {
	case TierProfessional:
		return 190, 625000
	case TierEnterprise:
		return 190, 1000000
	case TierPublicApp:
		return 110, -1
	}
	return 100, 250000
}

const defaultSearchRPS = 5

// Server is a fake HubSpot account. It is an http.Handler; Start serves it on an
// address of its own.
type Server struct {
	opts  Options
	mux   *http.ServeMux
	limit *limiter
	chaos *chaos

	mu        sync.Mutex
	types     map[string]*objectType
	assoc     map[assocKey][]assocLink
	nextID    int64
	lastWrite time.Time

	tokMu        sync.Mutex
	accessTokens map[string]time.Time // OAuth access token → expiry
	refreshToken string

	srv  *http.Server
	url  string
	done chan struct{}
}

// NewServer returns a fake account holding HubSpot's default contact, company and
// lead properties and no records.
func NewServer(opts Options) *Server {
	if opts.Token == "" {
		opts.Token = "pat-na1-" + newUUID()
	}
	opts.OAuth = opts.OAuth.withDefaults()
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.PortalID == 0 {
		opts.PortalID = 1234567
	}
	burst, daily := TierLimits(opts.Tier)
	s := &Server{
		opts:         opts,
		limit:        newLimiter(orDefault(opts.BurstLimit, burst), orDefault(opts.DailyLimit, daily), orDefault(opts.SearchPerSecond, defaultSearchRPS)),
		chaos:        newChaos(opts.Chaos, opts.Seed, opts.SlowAnswer),
		assoc:        map[assocKey][]assocLink{},
		nextID:       1,
		accessTokens: map[string]time.Time{},
		refreshToken: opts.OAuth.RefreshToken,
	}
	s.newObjectTypes()
	s.routes()
	return s
}

func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// Token is the bearer token the server accepts.
func (s *Server) Token() string { return s.opts.Token }

// DefineProperty adds or replaces a contact property definition (custom fields).
func (s *Server) DefineProperty(p Property) { s.DefineObjectProperty("contacts", p) }

// DefineObjectProperty adds or replaces a property definition of contacts, companies
// or leads.
func (s *Server) DefineObjectProperty(object string, p Property) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mustObject(object).define(p)
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
			panic(fmt.Sprintf("hubspottest: serve: %v", err))
		}
	}()
	return nil
}

// URL is the base URL of a started server.
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

func (s *Server) now() time.Time { return s.opts.Clock().UTC().Truncate(time.Millisecond) }

// writeStamp is the modification time of one write call: now, but strictly after the
// previous write, so that every change is ordered even on a frozen clock.
func (s *Server) writeStamp() time.Time {
	t := s.now()
	if !t.After(s.lastWrite) {
		t = s.lastWrite.Add(time.Millisecond)
	}
	s.lastWrite = t
	return t
}

// seedStamp is the time of a seeded contact: now, never before an earlier write, but
// shared by contacts created in the same millisecond, as a bulk import makes them.
// (Spreading them a millisecond apart would date a large seed into the future.)
func (s *Server) seedStamp() time.Time {
	t := s.now()
	if t.Before(s.lastWrite) {
		t = s.lastWrite
	}
	s.lastWrite = t
	return t
}

func newUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
