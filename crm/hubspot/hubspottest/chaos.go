package hubspottest

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// chaos fails a share of API calls at random, for `leadsync sandbox --chaos`, and
// serves faults queued by FailNext.
type chaos struct {
	mu     sync.Mutex
	rate   float64
	rng    *rand.Rand
	slow   time.Duration
	queued []int // statuses of the next answers
}

const defaultSlowAnswer = 5 * time.Second

func newChaos(rate float64, seed uint64, slow time.Duration) *chaos {
	if slow <= 0 {
		slow = defaultSlowAnswer
	}
	return &chaos{rate: clamp01(rate), rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), slow: slow}
}

func clamp01(f float64) float64 { return min(max(f, 0), 1) }

// SetChaos changes the share of API calls (0 to 1) that fail at random: a third
// answer 500/502/503/504, a third 429 TEN_SECONDLY_ROLLING, a third are held back
// for Options.SlowAnswer before being served normally. The token endpoint is spared.
func (s *Server) SetChaos(rate float64) {
	s.chaos.mu.Lock()
	defer s.chaos.mu.Unlock()
	s.chaos.rate = clamp01(rate)
}

// FailNext makes the next n API calls answer status: 423 (record locked), 477
// (migration in progress, with Retry-After), 429, or a 5xx.
func (s *Server) FailNext(status, n int) {
	s.chaos.mu.Lock()
	defer s.chaos.mu.Unlock()
	for range n {
		s.chaos.queued = append(s.chaos.queued, status)
	}
}

// ClearFailures drops the failures FailNext queued and not yet served: the outage ends.
func (s *Server) ClearFailures() {
	s.chaos.mu.Lock()
	defer s.chaos.mu.Unlock()
	s.chaos.queued = nil
}

// mischief is what chaos decided for one call.
type mischief struct {
	status int           // 0: serve normally
	delay  time.Duration // hold the answer back this long first
}

func (c *chaos) draw() mischief {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.queued) > 0 {
		st := c.queued[0]
		c.queued = c.queued[1:]
		return mischief{status: st}
	}
	if c.rate == 0 || c.rng.Float64() >= c.rate {
		return mischief{}
	}
	switch c.rng.IntN(3) {
	case 0:
		return mischief{status: []int{500, 502, 503, 504}[c.rng.IntN(4)]}
	case 1:
		return mischief{status: http.StatusTooManyRequests}
	}
	return mischief{delay: c.slow}
}

// misbehave applies one draw; it reports whether the call was answered.
func (s *Server) misbehave(w http.ResponseWriter, r *http.Request) bool {
	m := s.chaos.draw()
	if m.delay > 0 {
		t := time.NewTimer(m.delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return true
		}
	}
	switch {
	case m.status == 0:
		return false
	case m.status == http.StatusTooManyRequests:
		writeError(w, m.status, s.limitBody("TEN_SECONDLY_ROLLING"))
	case m.status == http.StatusLocked:
		writeError(w, m.status, apiError{Category: "LOCKED",
			Message: "This object is locked by a concurrent write; retry in 2 seconds."})
	case m.status == 477:
		w.Header().Set("Retry-After", strconv.Itoa(int(time.Hour/time.Second)))
		writeError(w, m.status, apiError{Category: "MIGRATION_IN_PROGRESS",
			Message: "This account is being migrated to another data centre."})
	default:
		writeError(w, m.status, apiError{Category: "INTERNAL_ERROR", Message: "internal error (injected by the fake)"})
	}
	return true
}
