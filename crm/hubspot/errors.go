package hubspot

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/internal/httpx"
)

const service = "hubspot"

// Server hints used when HubSpot names a limit but sends no Retry-After.
const (
	tenSecondlyWait = 10 * time.Second
	secondlyWait    = 1 * time.Second
	lockedWait      = 2 * time.Second // 423: "locks last 2 seconds"
)

// errorBody is HubSpot's Error schema plus the legacy rate-limit fields. Every field
// is optional when parsing.
type errorBody struct {
	Status        string              `json:"status"`
	Message       string              `json:"message"`
	Category      string              `json:"category"`
	CorrelationID string              `json:"correlationId"`
	Context       map[string][]string `json:"context"`
	Errors        []errorDetail       `json:"errors"`
	PolicyName    string              `json:"policyName"`
	ErrorType     string              `json:"errorType"`
}

type errorDetail struct {
	Message string              `json:"message"`
	Code    string              `json:"code"`
	Context map[string][]string `json:"context"`
}

// apiError is a classified HubSpot error that keeps the parsed body, so that callers
// (batch isolation) can read the per-property details.
type apiError struct {
	err  *crm.Error
	body errorBody
}

func (e *apiError) Error() string         { return e.err.Error() }
func (e *apiError) Unwrap() error         { return e.err }
func (e *apiError) ErrorClass() crm.Class { return e.err.Class }

// classify turns one non-2xx answer into its class. It is the only place that knows
// what HubSpot's statuses and error bodies mean.
func classify(op string, status int, h http.Header, raw []byte) error {
	var b errorBody
	if json.Unmarshal(raw, &b) != nil {
		b = errorBody{Message: httpx.Excerpt(string(raw))}
	}
	ce := &crm.Error{Service: service, Op: op, Status: status, Code: b.Category, Message: httpx.Excerpt(b.Message)}
	e := &apiError{err: ce, body: b}
	retryAfter := httpx.ParseRetryAfter(h.Get("Retry-After"), time.Now())
	switch {
	case status == http.StatusUnauthorized:
		e.err.Class = crm.ClassAuth
	case status == http.StatusForbidden:
		e.err.Class = crm.ClassAuth
		if scopes := b.requiredScopes(); len(scopes) > 0 {
			e.err.Message = "missing scopes: " + strings.Join(scopes, ", ")
		}
	case status == http.StatusTooManyRequests:
		e.classifyLimit(retryAfter)
	case status == http.StatusLocked:
		e.err.Class, e.err.RetryAfter = crm.ClassRateLimited, cmpOr(retryAfter, lockedWait)
	case status == http.StatusConflict:
		e.err.Class = crm.ClassConflict
	case b.Category == "RATE_LIMITS":
		// HubSpot sometimes answers a search-limit hit with 500 instead of 429.
		e.classifyLimit(retryAfter)
	case status == 477 || status >= 500:
		e.err.Class, e.err.RetryAfter = crm.ClassUnavailable, retryAfter
	default:
		e.err.Class = crm.ClassInvalid
	}
	return e
}

// classifyLimit sorts a rate-limit answer by the policy it names: the daily quota ends
// the run, the rolling and per-second windows only ask for a pause.
func (e *apiError) classifyLimit(retryAfter time.Duration) {
	policy := strings.ToUpper(e.body.PolicyName)
	if policy != "" {
		e.err.Code = policy
	}
	switch {
	case policy == "DAILY":
		e.err.Class, e.err.RetryAfter = crm.ClassQuotaExhausted, retryAfter
	case policy == "TEN_SECONDLY_ROLLING":
		e.err.Class, e.err.RetryAfter = crm.ClassRateLimited, cmpOr(retryAfter, tenSecondlyWait)
	case policy == "SECONDLY", strings.Contains(strings.ToLower(e.body.Message), "secondly limit"):
		e.err.Class, e.err.RetryAfter = crm.ClassRateLimited, cmpOr(retryAfter, secondlyWait)
	default:
		e.err.Class, e.err.RetryAfter = crm.ClassRateLimited, cmpOr(retryAfter, secondlyWait)
	}
}

// requiredScopes collects the scopes a 403 says are missing, from the current
// (requiredGranularScopes) and the older (requiredScopes) shapes.
func (b errorBody) requiredScopes() []string {
	var out []string
	add := func(ctx map[string][]string) {
		for _, k := range []string{"requiredGranularScopes", "requiredScopes", "missingScopes"} {
			out = append(out, ctx[k]...)
		}
	}
	add(b.Context)
	for _, d := range b.Errors {
		add(d.Context)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func cmpOr(d, fallback time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return fallback
}
