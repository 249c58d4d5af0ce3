package salesforce

import (
	"cmp"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/internal/httpx"
)

// Waits suggested when Salesforce names a transient limit but sends no Retry-After
// (it never does).
const (
	concurrencyWait = 5 * time.Second
	lockWait        = 2 * time.Second
)

// apiError is one element of the error array every REST resource answers with. Inside
// collection results the code is under statusCode instead of errorCode.
type apiError struct {
	Message    string   `json:"message"`
	ErrorCode  string   `json:"errorCode"`
	StatusCode string   `json:"statusCode"`
	Fields     []string `json:"fields"`
}

func (e apiError) code() string { return cmpOr(e.ErrorCode, e.StatusCode) }

// parseErrors reads the error array, or the single object some proxies send; a body
// that is neither becomes one entry carrying its excerpt.
func parseErrors(raw []byte) []apiError {
	var list []apiError
	if json.Unmarshal(raw, &list) == nil && len(list) > 0 {
		return list
	}
	var one apiError
	if json.Unmarshal(raw, &one) == nil && one.code() != "" {
		return []apiError{one}
	}
	return []apiError{{Message: httpx.Excerpt(string(raw))}}
}

// classify turns one non-2xx answer into its class. With the per-record classes in
// recordClass it is the only place that knows what Salesforce's codes mean.
func classify(op string, status int, h http.Header, raw []byte) error {
	errs := parseErrors(raw)
	first := errs[0]
	e := &crm.Error{Service: service, Op: op, Status: status, Code: first.code(), Message: httpx.Excerpt(first.Message),
		RetryAfter: httpx.ParseRetryAfter(h.Get("Retry-After"), time.Now())}
	switch code := first.code(); {
	case code == "INVALID_SESSION_ID" || status == http.StatusUnauthorized:
		e.Class = crm.ClassAuth
	case code == "REQUEST_LIMIT_EXCEEDED":
		e.Class = limitClass(first.Message)
		if e.Class == crm.ClassRateLimited {
			e.RetryAfter = cmp.Or(e.RetryAfter, concurrencyWait)
		}
	case status == http.StatusForbidden:
		// INSUFFICIENT_ACCESS, API_DISABLED_FOR_ORG …: permissions, not load.
		e.Class = crm.ClassAuth
	case code == "UNABLE_TO_LOCK_ROW":
		e.Class, e.RetryAfter = crm.ClassRateLimited, cmp.Or(e.RetryAfter, lockWait)
	case status == http.StatusTooManyRequests:
		e.Class = crm.ClassRateLimited
	case code == "SERVER_UNAVAILABLE", code == "UNKNOWN_EXCEPTION", code == "QUERY_TIMEOUT",
		code == "INVALID_QUERY_LOCATOR", status == 420, status >= 500:
		// An expired query locator is answered by reading again from the cursor.
		e.Class = crm.ClassUnavailable
	case status == http.StatusConflict:
		e.Class = crm.ClassConflict
	default:
		// MALFORMED_QUERY, INVALID_FIELD, INVALID_TYPE, JSON_PARSER_ERROR, NOT_FOUND …
		e.Class = crm.ClassInvalid
	}
	return e
}

// limitClass tells the daily allocation, which ends the run, from the concurrent
// long-running request cap, which only asks for a pause.
func limitClass(msg string) crm.Class {
	if strings.Contains(strings.ToLower(msg), "concurrent") {
		return crm.ClassRateLimited
	}
	return crm.ClassQuotaExhausted
}

// recordClass classifies one record's failure inside a collection answer.
func recordClass(e apiError) crm.Class {
	switch e.code() {
	case "UNABLE_TO_LOCK_ROW":
		return crm.ClassRateLimited
	case "SERVER_UNAVAILABLE", "UNKNOWN_EXCEPTION", "ALL_OR_NONE_OPERATION_ROLLED_BACK":
		return crm.ClassUnavailable
	case "REQUEST_LIMIT_EXCEEDED":
		return limitClass(e.Message)
	}
	// Restricted picklists, lengths, email syntax, read-only fields, validation rules,
	// duplicates, deleted records: the record is parked until the mapping or the data
	// changes.
	return crm.ClassInvalid
}
