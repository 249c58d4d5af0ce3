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
	// SearchLag is how long a write takes to become visible to search.
	SearchLag time.Duration
	// Clock replaces time.Now (tests, simulations).
	Clock func() time.Time
	// BurstLimit is the number of non-search calls per rolling 10 seconds (100).
	BurstLimit int
	// DailyLimit is the number of calls per UTC day (250,000).
	DailyLimit int
	// SearchPerSecond is the number of search calls per rolling second (5).
	SearchPerSecond int
	// PortalID is the account id shown in rate-limit group names (1234567).
	PortalID int
}

const (
	defaultBurst     = 100
	defaultDaily     = 250000
	defaultSearchRPS = 5
)

// Server is a fake HubSpot account. It is an http.Handler; Start serves it on an
// address of its own.
type Server struct {
	opts  Options
	mux   *http.ServeMux
	limit *limiter

	mu        sync.Mutex
	props     map[string]Property
	propOrder []string
	contacts  map[int64]*contact
	ids       []int64 // ascending: creation order
	nextID    int64
	lastWrite time.Time

	srv  *http.Server
	url  string
	done chan struct{}
}

// NewServer returns a fake account holding HubSpot's default contact properties and
// no contacts.
func NewServer(opts Options) *Server {
	if opts.Token == "" {
		opts.Token = "pat-na1-" + newUUID()
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.PortalID == 0 {
		opts.PortalID = 1234567
	}
	s := &Server{
		opts:     opts,
		limit:    newLimiter(orDefault(opts.BurstLimit, defaultBurst), orDefault(opts.DailyLimit, defaultDaily), orDefault(opts.SearchPerSecond, defaultSearchRPS)),
		props:    map[string]Property{},
		contacts: map[int64]*contact{},
		nextID:   1,
	}
	for _, p := range defaultProperties() {
		s.DefineProperty(p)
	}
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
func (s *Server) DefineProperty(p Property) {
	if p.Label == "" {
		p.Label = p.Name
	}
	if p.GroupName == "" {
		p.GroupName = "contactinformation"
	}
	if p.FieldType == "" {
		p.FieldType = map[string]string{"number": "number", "enumeration": "select", "datetime": "date",
			"date": "date", "bool": "booleancheckbox"}[p.Type]
		if p.FieldType == "" {
			p.FieldType = "text"
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.props[p.Name]; !ok {
		s.propOrder = append(s.propOrder, p.Name)
	}
	s.props[p.Name] = p
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
