package lushatest

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/leadsync/leadsync/lusha"
)

// documentedMessages are Lusha's example bodies per status (S1 components/responses).
var documentedMessages = map[int]string{
	http.StatusBadRequest:                 "Invalid request parameters",
	http.StatusUnauthorized:               "Invalid API key",
	http.StatusPaymentRequired:            "Insufficient credits for this operation",
	http.StatusForbidden:                  "V3 API access is not enabled for your account",
	http.StatusNotFound:                   "Resource not found",
	http.StatusTooManyRequests:            "Too many requests. Please wait before making another request.",
	http.StatusUnavailableForLegalReasons: "We are unable to process this contact request due to our GDPR regulations",
	http.StatusInternalServerError:        "Internal server error. Please try again later.",
	http.StatusBadGateway:                 "Identity resolution provider is temporarily unavailable. Retry with backoff.",
	http.StatusServiceUnavailable:         "Service temporarily unavailable. Please try again later.",
}

// writeError answers with Lusha's error body. Answers that carry no account's
// windows (401, injected failures) still get the nine rate headers, at the
// configured limits.
func (s *Server) writeError(w http.ResponseWriter, details []string, status int, message string) {
	if message == "" {
		message = documentedMessages[status]
		if message == "" {
			message = http.StatusText(status)
		}
	}
	if w.Header().Get(lusha.HeaderLimitDaily) == "" {
		s.setDefaultRateHeaders(w.Header())
	}
	writeJSON(w, status, lusha.ErrorResponse{StatusCode: status, Message: message, Errors: details})
}

func (s *Server) setDefaultRateHeaders(h http.Header) {
	l := s.opts.Limits
	for _, x := range []struct {
		limit            int
		lim, left, usage string
	}{
		{l.PerDay, lusha.HeaderLimitDaily, lusha.HeaderLeftDaily, lusha.HeaderUsageDaily},
		{l.PerHour, lusha.HeaderLimitHourly, lusha.HeaderLeftHourly, lusha.HeaderUsageHourly},
		{l.PerMinute, lusha.HeaderLimitMinute, lusha.HeaderLeftMinute, lusha.HeaderUsageMinute},
	} {
		h.Set(x.lim, strconv.Itoa(x.limit))
		h.Set(x.left, strconv.Itoa(x.limit))
		h.Set(x.usage, "0")
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, fmt.Sprintf(`{"statusCode":500,"message":%q}`, err.Error()), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// newRequestID returns a random UUID v4, as Lusha's requestId.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
