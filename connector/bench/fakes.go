package bench

import (
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/leadsync/leadsync/crm/hubspot/hubspottest"
	"github.com/leadsync/leadsync/lusha/lushatest"
)

// Limits are the API limits the fakes enforce during one sync. Zero values switch a
// limit off, so that Limits{} is the "limits off" run of the CPU measurement.
type Limits struct {
	HubSpotSearchPerSecond int // searches per rolling second
	HubSpotCallsPer10s     int // other calls per rolling 10 s
	LushaPerSecond         int // data requests per second (fixed window)
}

// DocumentedLimits are the limits DESIGN §8 and the API references state.
var DocumentedLimits = Limits{HubSpotSearchPerSecond: 5, HubSpotCallsPer10s: 100, LushaPerSecond: 25}

// Scaled multiplies every limit by f (at least 1 each); tests use it to run fast.
func (l Limits) Scaled(f float64) Limits {
	scale := func(v int) int {
		if v == 0 {
			return 0
		}
		return max(1, int(float64(v)*f))
	}
	return Limits{HubSpotSearchPerSecond: scale(l.HubSpotSearchPerSecond),
		HubSpotCallsPer10s: scale(l.HubSpotCallsPer10s), LushaPerSecond: scale(l.LushaPerSecond)}
}

// Enforced reports whether any limit is on.
func (l Limits) Enforced() bool { return l != Limits{} }

// unlimited stands for "no limit" where a fake has no off switch.
const unlimited = 1 << 30

func (l Limits) hubspotOptions() hubspottest.Options {
	off := func(v int) int {
		if v == 0 {
			return -1 // hubspottest: a negative limit is off
		}
		return v
	}
	// The daily limit is not what this benchmark measures: off.
	return hubspottest.Options{SearchPerSecond: off(l.HubSpotSearchPerSecond),
		BurstLimit: off(l.HubSpotCallsPer10s), DailyLimit: -1}
}

func (l Limits) lushaLimits() lushatest.Limits {
	perSecond := l.LushaPerSecond
	if perSecond == 0 {
		perSecond = unlimited
	}
	// The minute, hour and day windows stay far above what a benchmark sends; they
	// are raised so that 10×N leads never meet them.
	return lushatest.Limits{PerSecond: perSecond, PerMinute: unlimited, PerHour: unlimited, PerDay: unlimited,
		UsagePerMinute: 5}
}

// Traffic counts what one fake answered: calls admitted (not refused with 429) per
// kind, 429 answers, and the time requests spent in the handler.
type Traffic struct {
	Calls    map[string]int `json:"calls"`
	HTTP429  int            `json:"http_429"`
	BusyTime time.Duration  `json:"busy_ns"`
}

// counter wraps a fake's handler to count its answers by kind.
type counter struct {
	next http.Handler
	kind func(*http.Request) string

	mu      sync.Mutex
	calls   map[string]int
	refused int
	busy    atomic.Int64
}

func newCounter(next http.Handler, kind func(*http.Request) string) *counter {
	return &counter{next: next, kind: kind, calls: map[string]int{}}
}

func (c *counter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	c.next.ServeHTTP(sw, r)
	c.busy.Add(int64(time.Since(start)))
	c.mu.Lock()
	defer c.mu.Unlock()
	if sw.status == http.StatusTooManyRequests {
		c.refused++
		return
	}
	c.calls[c.kind(r)]++
}

func (c *counter) traffic() Traffic {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := Traffic{Calls: map[string]int{}, HTTP429: c.refused, BusyTime: time.Duration(c.busy.Load())}
	for k, v := range c.calls {
		t.Calls[k] = v
	}
	return t
}

type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

// Call kinds, one per limit they count against.
const (
	kindHubSpotSearch = "hubspot_search"
	kindHubSpotOther  = "hubspot_other" // batch updates, property reads: the 10-second window
	kindHubSpotWrite  = "hubspot_batch_update"
)

func hubspotKind(r *http.Request) string {
	switch {
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/search"):
		return kindHubSpotSearch
	case strings.HasSuffix(r.URL.Path, "/batch/update"):
		return kindHubSpotWrite
	}
	return kindHubSpotOther
}

// lushaKind is the endpoint: every one counts against the per-second window.
func lushaKind(r *http.Request) string { return strings.TrimPrefix(r.URL.Path, "/v3/") }

// loopback serves h on 127.0.0.1 on a free port until close is called.
type loopback struct {
	url  string
	srv  *http.Server
	done chan struct{}
}

func serveLoopback(h http.Handler) (*loopback, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	lb := &loopback{url: "http://" + ln.Addr().String(), done: make(chan struct{}),
		srv: &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}}
	go func() {
		defer close(lb.done)
		_ = lb.srv.Serve(ln) // http.ErrServerClosed after close
	}()
	return lb, nil
}

func (lb *loopback) close() {
	_ = lb.srv.Close() // a loopback fake going away has no one to report to
	<-lb.done
}
