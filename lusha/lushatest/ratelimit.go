package lushatest

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/leadsync/leadsync/lusha"
)

// window is a fixed request window aligned to its size (UTC midnight for days).
type window struct {
	name  string // "Daily", "Hourly", "Minute", "Second"
	unit  string // "day", "hour", …, for the 429 message
	size  time.Duration
	limit int
	start time.Time
	used  int
}

func newWindow(name, unit string, size time.Duration, limit int) *window {
	return &window{name: name, unit: unit, size: size, limit: limit}
}

func (w *window) roll(now time.Time) {
	if start := now.UTC().Truncate(w.size); !start.Equal(w.start) {
		w.start, w.used = start, 0
	}
}

func (w *window) full(now time.Time) bool {
	w.roll(now)
	return w.used >= w.limit
}

func (w *window) remaining() int { return max(0, w.limit-w.used) }

func (w *window) resetsAt() time.Time { return w.start.Add(w.size) }

// resetIn is the whole seconds until the window opens again, at least 1.
func (w *window) resetIn(now time.Time) int {
	return max(1, int((w.resetsAt().Sub(now)+time.Second-1)/time.Second))
}

// message is Lusha's 429 text for this window.
func (w *window) message(now time.Time) string {
	if w.unit == "second" {
		return "Too many requests. Please wait before making another request."
	}
	return fmt.Sprintf("%s API rate limit exceeded. Limit: %d calls per %s. Reset in %d seconds.",
		w.name, w.limit, w.unit, w.resetIn(now))
}

// windows are an account's request windows, tightest last.
type windows struct {
	day, hour, minute, second *window
	usage                     *window // GET /v3/account/usage only
	webhooks                  *window // the /api/ management calls only
}

// Request kinds, each admitted by its own set of windows.
type requestKind int

const (
	kindData     requestKind = iota // the /v3/ data endpoints
	kindUsage                       // GET /v3/account/usage
	kindWebhooks                    // /api/…
)

func kindOf(path string) requestKind {
	switch {
	case path == "/v3/account/usage":
		return kindUsage
	case strings.HasPrefix(path, "/api/"):
		return kindWebhooks
	default:
		return kindData
	}
}

func newWindows(l Limits) *windows {
	return &windows{
		day:      newWindow("Daily", "day", 24*time.Hour, l.PerDay),
		hour:     newWindow("Hourly", "hour", time.Hour, l.PerHour),
		minute:   newWindow("Minute", "minute", time.Minute, l.PerMinute),
		second:   newWindow("Second", "second", time.Second, l.PerSecond),
		usage:    newWindow("Minute", "minute", time.Minute, l.UsagePerMinute),
		webhooks: newWindow("Minute", "minute", time.Minute, l.WebhooksPerMinute),
	}
}

// admit counts one request, or returns the window that refuses it. The daily
// window is checked first so an exhausted quota is reported as such.
func (ws *windows) admit(now time.Time, kind requestKind) *window {
	check := []*window{ws.day, ws.hour, ws.minute, ws.second}
	switch kind {
	case kindUsage:
		check = append(check, ws.usage)
	case kindWebhooks:
		check = []*window{ws.webhooks}
	}
	for _, w := range check {
		if w.full(now) {
			return w
		}
	}
	for _, w := range check {
		w.used++
	}
	return nil
}

// setHeaders writes the nine rate-limit headers Lusha sends on every answer.
func (ws *windows) setHeaders(h http.Header, now time.Time) {
	for _, x := range []struct {
		w                  *window
		limit, left, usage string
	}{
		{ws.day, lusha.HeaderLimitDaily, lusha.HeaderLeftDaily, lusha.HeaderUsageDaily},
		{ws.hour, lusha.HeaderLimitHourly, lusha.HeaderLeftHourly, lusha.HeaderUsageHourly},
		{ws.minute, lusha.HeaderLimitMinute, lusha.HeaderLeftMinute, lusha.HeaderUsageMinute},
	} {
		x.w.roll(now)
		h.Set(x.limit, strconv.Itoa(x.w.limit))
		h.Set(x.left, strconv.Itoa(x.w.remaining()))
		h.Set(x.usage, strconv.Itoa(x.w.used))
	}
}

func (w *window) tier() *lusha.RateLimitTier {
	return &lusha.RateLimitTier{Limit: float64(w.limit), Used: float64(w.used), Remaining: float64(w.remaining()),
		ResetsAt: w.resetsAt().UTC().Format("2006-01-02T15:04:05.000Z")}
}
