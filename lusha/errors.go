package lusha

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/leadsync/leadsync/crm/upstream"
)

// ErrorResponse is Lusha's error body, {"statusCode","message","errors"}. It is
// parsed leniently: NestJS-style array messages, a bare "error" string, a nested
// {"error":{"code","message"}} and non-JSON bodies are all accepted.
type ErrorResponse struct {
	StatusCode int      `json:"statusCode"`
	Message    string   `json:"message"`
	Errors     []string `json:"errors,omitempty"`
	// Code is the symbolic code some answers carry instead of statusCode, e.g.
	// CodeDedupeSessionInvalid on a 410 from contact lookalikes.
	Code string `json:"code,omitempty"`
}

// CodeDedupeSessionInvalid is the code of the 410 answered for an unknown or
// expired lookalike dedupeSessionId: start a new session.
const CodeDedupeSessionInvalid = "DEDUPE_SESSION_INVALID"

func (e *ErrorResponse) Error() string {
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.StatusCode)
	}
	if len(e.Errors) > 0 {
		msg += " [" + strings.Join(e.Errors, "; ") + "]"
	}
	return msg
}

// maxMessageLen keeps a non-JSON error page from flooding logs and the state store.
const maxMessageLen = 512

// parseErrorResponse reads any error body shape we have seen from Lusha.
func parseErrorResponse(status int, body []byte) *ErrorResponse {
	er := &ErrorResponse{StatusCode: status}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		er.Message = excerpt(strings.TrimSpace(string(body)))
		return er
	}
	var code int
	if json.Unmarshal(raw["statusCode"], &code) == nil && code != 0 {
		er.StatusCode = code
	}
	er.Message, er.Errors = stringOrList(raw["message"])
	er.Code, _ = stringOrList(raw["code"])
	er.Code = excerpt(er.Code)
	_, more := stringOrList(raw["errors"])
	er.Errors = append(er.Errors, more...)
	if er.Message == "" {
		er.Message = nestedMessage(raw["error"])
	}
	er.Message = excerpt(er.Message)
	return er
}

// stringOrList decodes a string, or a list of strings whose first element becomes
// the message and all of which become details (NestJS validation answers).
func stringOrList(raw json.RawMessage) (string, []string) {
	if len(raw) == 0 {
		return "", nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, nil
	}
	var list []string
	if json.Unmarshal(raw, &list) == nil && len(list) > 0 {
		return list[0], list
	}
	return "", nil
}

// nestedMessage reads "error" as a string (NestJS "Bad Request") or as an object
// with a message (an older Lusha shape).
func nestedMessage(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var obj struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(raw, &obj) == nil {
		return obj.Message
	}
	return ""
}

func excerpt(s string) string {
	if len(s) <= maxMessageLen {
		return s
	}
	cut := maxMessageLen
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// statusError builds the classified error of a non-2xx answer.
func (c *Client) statusError(op string, resp *Response, body []byte) error {
	er := parseErrorResponse(resp.StatusCode, body)
	er.Message = c.redact(er.Message)
	for i := range er.Errors {
		er.Errors[i] = c.redact(er.Errors[i])
	}
	class, wait := classifyStatus(resp.StatusCode, er.Message, resp.Rate)
	return &upstream.Error{Service: serviceName, Op: op, Class: class, Status: resp.StatusCode,
		Code: c.redact(er.Code), RetryAfter: wait, Err: er}
}

// classifyStatus maps an HTTP status (and, for 429, the message and headers) to a
// class and a retry hint.
func classifyStatus(status int, message string, rate Rate) (upstream.Class, time.Duration) {
	switch {
	case status == http.StatusTooManyRequests:
		return classifyTooMany(message, rate), resetHint(message)
	case status == http.StatusPaymentRequired:
		return upstream.ClassCredits, 0
	case status == http.StatusUnavailableForLegalReasons:
		return upstream.ClassRestricted, 0
	case status == http.StatusUnauthorized, status == http.StatusForbidden:
		return upstream.ClassAuth, 0
	case status >= 500, status == 499:
		// 499 is Lusha's "client closed / request timeout": nothing wrong with the request.
		return upstream.ClassUnavailable, 0
	case status >= 400:
		// 400, 404, 409, 410, 412, 422: the request itself is wrong; retrying as-is won't help.
		return upstream.ClassInvalid, 0
	default:
		return upstream.ClassUnavailable, 0
	}
}

// classifyTooMany tells a per-second/minute/hour limit (wait and retry) from the
// daily quota or a trial limit (end the run, resume on a later tick).
func classifyTooMany(message string, rate Rate) upstream.Class {
	m := strings.ToLower(message)
	if strings.Contains(m, "daily") || strings.Contains(m, "per day") || strings.Contains(m, "trial limit") {
		return upstream.ClassQuotaExhausted
	}
	if rate.Daily.Exhausted() {
		return upstream.ClassQuotaExhausted
	}
	return upstream.ClassRateLimited
}

var resetPattern = regexp.MustCompile(`(?i)reset in (\d+) sec`)

// resetHint parses "Reset in N seconds" from a 429 message; Lusha sends no Retry-After.
func resetHint(message string) time.Duration {
	m := resetPattern.FindStringSubmatch(message)
	if m == nil {
		return 0
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil || n > int64(366*24*time.Hour/time.Second) {
		return 0
	}
	return time.Duration(n) * time.Second
}

// Per-item error codes of batch answers (V3ItemError.code).
const (
	ItemNotFound             = "NOT_FOUND"
	ItemComplianceRestricted = "COMPLIANCE_RESTRICTED"
	ItemEnrichFailed         = "ENRICH_FAILED"
	ItemNoScore              = "NO_SCORE"
)

// ItemError is the per-item failure inside a 200 batch answer. Items with an
// error are not billed. It implements upstream.Classified, so it can be returned as is.
type ItemError struct {
	Code    string `json:"code,omitempty"`
	Message string `json:"message,omitempty"`
}

func (e *ItemError) Error() string { return fmt.Sprintf("lusha: item %s: %s", e.Code, e.Message) }

// Class maps the item code to a class: NOT_FOUND and NO_SCORE mean Lusha has no
// answer (negative cache), COMPLIANCE_RESTRICTED means never ask again, and
// ENRICH_FAILED or an unknown code is a transient failure worth retrying later.
func (e *ItemError) Class() upstream.Class {
	if e == nil {
		return upstream.ClassNone
	}
	switch e.Code {
	case ItemNotFound, ItemNoScore:
		return upstream.ClassNoMatch
	case ItemComplianceRestricted:
		return upstream.ClassRestricted
	default:
		return upstream.ClassUnavailable
	}
}

// ErrorClass implements upstream.Classified.
func (e *ItemError) ErrorClass() upstream.Class { return e.Class() }
