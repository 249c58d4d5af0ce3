package hubspottest

import (
	"net/http"
	"strconv"
	"sync"
	"time"
)

// limiter enforces the account's request limits (reference §9): a rolling 10-second
// window for ordinary calls, a rolling second for search, and a daily count that
// resets at midnight UTC (the account's time zone here).
type limiter struct {
	burst, daily, searchPerSecond int

	mu       sync.Mutex
	calls    []time.Time // ordinary calls within the last 10 s
	searches []time.Time // searches within the last second
	day      time.Time
	dayCount int
}

const burstWindow = 10 * time.Second

func newLimiter(burst, daily, searchPerSecond int) *limiter {
	return &limiter{burst: burst, daily: daily, searchPerSecond: searchPerSecond}
}

// verdict is the outcome of admitting one call; policy is "" when it may proceed.
type verdict struct {
	policy         string
	burstRemaining int
	dailyRemaining int
}

func (l *limiter) admit(now time.Time, search bool) verdict {
	l.mu.Lock()
	defer l.mu.Unlock()
	if day := now.UTC().Truncate(24 * time.Hour); !day.Equal(l.day) {
		l.day, l.dayCount = day, 0
	}
	l.calls = since(l.calls, now.Add(-burstWindow))
	l.searches = since(l.searches, now.Add(-time.Second))
	v := verdict{burstRemaining: l.burst - len(l.calls), dailyRemaining: l.daily - l.dayCount}
	switch {
	case l.daily >= 0 && l.dayCount >= l.daily:
		v.policy = "DAILY"
	case search && l.searchPerSecond >= 0 && len(l.searches) >= l.searchPerSecond:
		v.policy = "SECONDLY"
	case !search && l.burst >= 0 && len(l.calls) >= l.burst:
		v.policy = "TEN_SECONDLY_ROLLING"
	}
	if v.policy != "" {
		return v
	}
	l.dayCount++
	v.dailyRemaining--
	if search {
		// Search is exempt from the ten-secondly window and limited on its own.
		l.searches = append(l.searches, now)
	} else {
		l.calls = append(l.calls, now)
		v.burstRemaining--
	}
	return v
}

func since(ts []time.Time, cutoff time.Time) []time.Time {
	i := 0
	for i < len(ts) && !ts[i].After(cutoff) {
		i++
	}
	return ts[i:]
}

// setHeaders writes the §9.2 headers; search answers carry none, OAuth calls no
// daily ones.
func (l *limiter) setHeaders(h http.Header, v verdict, oauth bool) {
	if l.daily >= 0 && !oauth {
		h.Set("X-HubSpot-RateLimit-Daily", strconv.Itoa(l.daily))
		h.Set("X-HubSpot-RateLimit-Daily-Remaining", strconv.Itoa(max(v.dailyRemaining, 0)))
	}
	if l.burst >= 0 {
		h.Set("X-HubSpot-RateLimit-Interval-Milliseconds", strconv.Itoa(int(burstWindow/time.Millisecond)))
		h.Set("X-HubSpot-RateLimit-Max", strconv.Itoa(l.burst))
		h.Set("X-HubSpot-RateLimit-Remaining", strconv.Itoa(max(v.burstRemaining, 0)))
	}
}

// limitBody is the §9.3 answer for the policy hit. HubSpot's captured bodies lack
// "category" (the spec requires it); it is added so that spec-driven clients parse it.
func (s *Server) limitBody(policy string) apiError {
	switch policy {
	case "DAILY":
		return apiError{Category: "RATE_LIMITS", ErrorType: "RATE_LIMIT", PolicyName: "DAILY",
			Message: "You have reached your daily limit.", RequestID: newUUID()}
	case "SECONDLY":
		return apiError{Category: "RATE_LIMITS", Message: "You have reached your secondly limit."}
	}
	return apiError{Category: "RATE_LIMITS", ErrorType: "RATE_LIMIT", PolicyName: "TEN_SECONDLY_ROLLING",
		Message:   "You have reached your ten_secondly_rolling limit.",
		GroupName: "publicapi:private-app-api-calls-ten-secondly:" + strconv.Itoa(s.opts.PortalID)}
}
