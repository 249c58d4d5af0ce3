package bench

import (
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/leadsync/leadsync/lusha/lushatest"
)

// Limits are the API limits the fakes enforce during one sync. Zero values switch a
// limit off, so that Limits{} is the "limits off" run of the CPU measurement.
type Limits struct {
	HubSpotSearchPerSecond int // searches per rolling second
	HubSpotCallsPer10s     int // other calls per rolling 10 s
	SalesforceCallsPerDay  int // data calls per day (UTC)
	LushaPerSecond         int // data requests per second (fixed window)
}

// Scaled multiplies every limit by f (at least 1 each); tests use it to run fast.
func (l Limits) Scaled(f float64) Limits {
	scale := func(v int) int {
		if v == 0 {
			return 0
		}
		return max(1, int(float64(v)*f))
	}
	return Limits{HubSpotSearchPerSecond: scale(l.HubSpotSearchPerSecond),
		HubSpotCallsPer10s: scale(l.HubSpotCallsPer10s), SalesforceCallsPerDay: scale(l.SalesforceCallsPerDay),
		LushaPerSecond: scale(l.LushaPerSecond)}
}

// Enforced reports whether any limit is on.
func (l Limits) Enforced() bool { return l != Limits{} }

// unlimited stands for "no limit" where a fake has no off switch.
const unlimited = 1 << 30

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

// Traffic counts what one fake answered: calls admitted (not refused by a limit) per
// kind, limit answers (429 or the CRM's equivalent), and the time requests spent in
// the handler.
type Traffic struct {
	Calls    map[string]int `json:"calls"`
	HTTP429  int            `json:"http_429"`
	BusyTime time.Duration  `json:"busy_ns"`
}

// limitRule tells a fake's limit answers from the others.
type limitRule struct {
	// inspect says whether an answer's body is needed to judge it; nil: never.
	inspect func(r *http.Request, status int) bool
	// limited reports a limit answer; body is empty unless inspect asked for it.
	limited func(status int, body []byte) bool
}

// status429 is the rule of APIs that answer their limits with 429.
var status429 = limitRule{limited: func(status int, _ []byte) bool { return status == http.StatusTooManyRequests }}

// counter wraps a fake's handler to count its answers by kind.
type counter struct {
	next http.Handler
	kind func(*http.Request) string
	rule limitRule

	mu      sync.Mutex
	calls   map[string]int
	limited int
	busy    atomic.Int64
}

func newCounter(next http.Handler, kind func(*http.Request) string, rule limitRule) *counter {
	return &counter{next: next, kind: kind, rule: rule, calls: map[string]int{}}
}

func (c *counter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	if c.rule.inspect != nil {
		sw.keep = func(status int) bool { return c.rule.inspect(r, status) }
	}
	c.next.ServeHTTP(sw, r)
	c.busy.Add(int64(time.Since(start)))
	limited := c.rule.limited(sw.status, sw.body)
	c.mu.Lock()
	defer c.mu.Unlock()
	if limited {
		c.limited++
	}
	if limited && sw.status >= 400 {
		return // refused: the call did not pass the limit
	}
	c.calls[c.kind(r)]++
}

func (c *counter) traffic() Traffic {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := Traffic{Calls: map[string]int{}, HTTP429: c.limited, BusyTime: time.Duration(c.busy.Load())}
	for k, v := range c.calls {
		t.Calls[k] = v
	}
	return t
}

// statusWriter notes the status of an answer and, when keep says so, its body.
type statusWriter struct {
	http.ResponseWriter
	status  int
	wrote   bool
	keep    func(status int) bool
	capture bool
	body    []byte
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
		w.capture = w.keep != nil && w.keep(code)
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	if w.capture {
		w.body = append(w.body, b...)
	}
	return w.ResponseWriter.Write(b)
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
