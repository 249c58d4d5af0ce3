package salesforcetest

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// handlers maps methods to the handler of one path.
type handlers map[string]http.HandlerFunc

func (h handlers) serve(w http.ResponseWriter, r *http.Request) {
	if f, ok := h[r.Method]; ok {
		f(w, r)
		return
	}
	methods := make([]string, 0, len(h))
	for m := range h {
		methods = append(methods, m)
	}
	slices.Sort(methods)
	w.Header().Set("Allow", strings.Join(methods, ", "))
	writeError(w, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED",
		"HTTP Method '"+r.Method+"' not allowed. Allowed are "+strings.Join(methods, ","))
}

func (s *Server) routes() {
	s.mux = http.NewServeMux()
	route := func(pattern string, h handlers) { s.mux.HandleFunc(pattern, h.serve) }
	data := func(pattern string, h handlers) {
		for m, f := range h {
			h[m] = s.api(f)
		}
		route("/services/data/{version}"+pattern, h)
	}
	route("/services/oauth2/token", handlers{http.MethodPost: s.myDomainOnly(s.handleToken)})
	route("/services/oauth2/revoke", handlers{http.MethodPost: s.handleRevoke})
	route("/services/data/{$}", handlers{http.MethodGet: s.handleVersions})
	data("/limits", handlers{http.MethodGet: s.handleLimits})
	data("/sobjects", handlers{http.MethodGet: s.handleDescribeGlobal})
	data("/sobjects/{object}/describe", handlers{http.MethodGet: s.handleDescribe})
	// Get Deleted, with and without the trailing slash the reference shows (§3.9).
	data("/sobjects/{object}/deleted/{$}", handlers{http.MethodGet: s.handleDeleted})
	data("/sobjects/{object}/deleted", handlers{http.MethodGet: s.handleDeleted})
	data("/sobjects/{object}/{id}", handlers{http.MethodGet: s.handleGetRecord, http.MethodPatch: s.handlePatchRecord})
	data("/query", handlers{http.MethodGet: s.handleQuery(false)})
	data("/query/{$}", handlers{http.MethodGet: s.handleQuery(false)})
	data("/queryAll", handlers{http.MethodGet: s.handleQuery(true)})
	data("/queryAll/{$}", handlers{http.MethodGet: s.handleQuery(true)})
	data("/query/{locator}", handlers{http.MethodGet: s.handleMore})
	data("/queryAll/{locator}", handlers{http.MethodGet: s.handleMore})
	data("/composite/sobjects", handlers{http.MethodPatch: s.handleCollection(false), http.MethodPost: s.handleCollection(true)})
	s.mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { notFound(w) })
}

// api wraps every data resource: version, session, chaos, the daily limit and its
// header, in the order Salesforce applies them (an unauthenticated call counts nothing).
func (s *Server) api(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !apiVersionOK(r.PathValue("version")) {
			notFound(w)
			return
		}
		if !s.authorized(r) {
			writeError(w, http.StatusUnauthorized, "INVALID_SESSION_ID", "Session expired or invalid")
			return
		}
		if !s.delay(r.Context()) {
			return
		}
		if status, code, msg, ok := s.outage(); ok {
			writeError(w, status, code, msg)
			return
		}
		used, limit, ok := s.count()
		if limit >= 0 {
			w.Header().Set("Sforce-Limit-Info", "api-usage="+strconv.Itoa(used)+"/"+strconv.Itoa(limit))
		}
		if !ok {
			writeError(w, http.StatusForbidden, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
			return
		}
		next(w, r)
	}
}

// delay holds a chaos-slowed answer; false when the client gave up meanwhile.
func (s *Server) delay(ctx context.Context) bool {
	s.mu.Lock()
	c := s.chaos
	s.mu.Unlock()
	if !s.roll(c.Slow) {
		return true
	}
	t := time.NewTimer(c.SlowDelay)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// outage draws a chaos failure of the whole call.
func (s *Server) outage() (status int, code, msg string, ok bool) {
	s.mu.Lock()
	share := s.chaos.Unavailable
	s.mu.Unlock()
	if !s.roll(share) {
		return 0, "", "", false
	}
	if s.roll(0.25) {
		return http.StatusInternalServerError, "UNKNOWN_EXCEPTION",
			"An unexpected error occurred. Please include this ErrorId if you contact support: 1234567-89 (-123456789)", true
	}
	return http.StatusServiceUnavailable, "SERVER_UNAVAILABLE", "Server temporarily unavailable. Please try again later.", true
}

// count admits one call against the daily limit, which restarts at midnight UTC.
func (s *Server) count() (used, limit int, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if day := s.now().Truncate(24 * time.Hour); !day.Equal(s.day) {
		s.day, s.used = day, 0
	}
	limit = s.opts.DailyLimit
	if limit >= 0 && s.used >= limit {
		return s.used, limit, false
	}
	s.used++
	return s.used, limit, true
}

// APIUsage is the number of calls counted today and the daily limit.
func (s *Server) APIUsage() (used, limit int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.used, s.opts.DailyLimit
}

// SetDailyLimit changes the daily limit (negative: none), e.g. to run out mid-sync.
func (s *Server) SetDailyLimit(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opts.DailyLimit = n
}

func (s *Server) handleVersions(w http.ResponseWriter, r *http.Request) {
	type version struct {
		Label   string `json:"label"`
		URL     string `json:"url"`
		Version string `json:"version"`
	}
	var out []version
	labels := []string{"Winter '25", "Spring '25", "Summer '25", "Winter '26", "Spring '26", "Summer '26"}
	for i, l := range labels {
		v := strconv.Itoa(62+i) + ".0"
		out = append(out, version{Label: l, URL: "/services/data/v" + v, Version: v})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleLimits(w http.ResponseWriter, r *http.Request) {
	used, limit := s.APIUsage()
	if limit < 0 {
		limit = 1 << 31
	}
	type entry struct{ Max, Remaining int }
	writeJSON(w, http.StatusOK, map[string]entry{
		"DailyApiRequests":    {Max: limit, Remaining: max(limit-used, 0)},
		"DailyBulkApiBatches": {Max: 15000, Remaining: 15000},
	})
}
