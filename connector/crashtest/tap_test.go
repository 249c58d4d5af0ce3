package crashtest

import (
	"bytes"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
)

// Paths of the Lusha calls that can cost credits, and of HubSpot's batch write.
var lushaPaidPaths = []string{"/v3/contacts/search", "/v3/contacts/search-and-enrich",
	"/v3/contacts/enrich", "/v3/companies/enrich"}

func isLushaPaid(path string) bool { return slices.Contains(lushaPaidPaths, path) }

// isHubWrite matches HubSpot's contact batch update under either path version.
func isHubWrite(path string) bool {
	return strings.HasPrefix(path, "/crm/") && strings.HasSuffix(path, "/contacts/batch/update")
}

// call is one request to a tapped path and the status the fake answered.
type call struct {
	Path   string
	Status int
	Body   []byte
}

// tap records the requests to some paths of a fake, with the fake's answer. It can
// lose a share of the answers to paid calls (the fake has charged, the client sees
// the connection drop), and it can hold an answer back while the test kills the
// client (the call was served, its caller never learns).
type tap struct {
	next  http.Handler
	match func(path string) bool

	mu    sync.Mutex
	calls []call
	drop  float64
	rng   *rand.Rand
	drops int
	// beforeAnswer, when set, is called after the fake served a tapped call and
	// before the answer is sent; it returns true to withhold the answer.
	beforeAnswer func(c call) bool
}

func newTap(next http.Handler, match func(path string) bool, drop float64, seed int64) *tap {
	return &tap{next: next, match: match, drop: drop, rng: rand.New(rand.NewPCG(uint64(seed), 0xd20b))}
}

func (t *tap) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || !t.match(r.URL.Path) {
		t.next.ServeHTTP(w, r)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	rec := httptest.NewRecorder()
	t.next.ServeHTTP(rec, r)
	c := call{Path: r.URL.Path, Status: rec.Code, Body: body}

	t.mu.Lock()
	t.calls = append(t.calls, c)
	hook := t.beforeAnswer
	lose := c.Status == http.StatusOK && t.drop > 0 && t.rng.Float64() < t.drop
	if lose {
		t.drops++
	}
	t.mu.Unlock()

	if hook != nil && hook(c) {
		return
	}
	if lose {
		// Abort the connection mid-answer: the client sees an error, not a response.
		panic(http.ErrAbortHandler)
	}
	for k, vs := range rec.Header() {
		w.Header()[k] = vs
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

// Calls returns a copy of what was recorded.
func (t *tap) Calls() []call {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.calls)
}

// Drops is how many answers to paid calls were lost on purpose.
func (t *tap) Drops() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.drops
}

func (t *tap) setBeforeAnswer(hook func(c call) bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.beforeAnswer = hook
}
