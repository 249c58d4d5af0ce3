package lusha

import (
	"net/http"
	"strconv"
	"strings"
)

// Rate is Lusha's view of the account's request windows, parsed from the nine
// x-rate-limit / x-*-requests-left / x-*-usage headers of an answer.
type Rate struct {
	Daily  Window
	Hourly Window
	Minute Window
}

// Window is one request window. Each number is -1 when its header was absent or
// unreadable, so "unknown" is never confused with "zero left".
type Window struct {
	Limit     int64 // x-rate-limit-<window>
	Remaining int64 // x-<window>-requests-left
	Used      int64 // x-<window>-usage
}

// Known reports whether the server told us how many requests are left.
func (w Window) Known() bool { return w.Remaining >= 0 }

// Exhausted reports whether the server said no request is left in this window.
func (w Window) Exhausted() bool { return w.Remaining == 0 }

// Header names, exported so the fake server and the client cannot drift apart.
const (
	HeaderLimitDaily  = "x-rate-limit-daily"
	HeaderLimitHourly = "x-rate-limit-hourly"
	HeaderLimitMinute = "x-rate-limit-minute"
	HeaderLeftDaily   = "x-daily-requests-left"
	HeaderLeftHourly  = "x-hourly-requests-left"
	HeaderLeftMinute  = "x-minute-requests-left"
	HeaderUsageDaily  = "x-daily-usage"
	HeaderUsageHourly = "x-hourly-usage"
	HeaderUsageMinute = "x-minute-usage"
)

// ParseRate reads the rate-limit headers of an answer.
func ParseRate(h http.Header) Rate {
	return Rate{
		Daily:  parseWindow(h, HeaderLimitDaily, HeaderLeftDaily, HeaderUsageDaily),
		Hourly: parseWindow(h, HeaderLimitHourly, HeaderLeftHourly, HeaderUsageHourly),
		Minute: parseWindow(h, HeaderLimitMinute, HeaderLeftMinute, HeaderUsageMinute),
	}
}

func parseWindow(h http.Header, limit, left, usage string) Window {
	return Window{Limit: headerInt(h, limit), Remaining: headerInt(h, left), Used: headerInt(h, usage)}
}

func headerInt(h http.Header, name string) int64 {
	v := strings.TrimSpace(h.Get(name))
	if v == "" {
		return -1
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return -1
	}
	return n
}
