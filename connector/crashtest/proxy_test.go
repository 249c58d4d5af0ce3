package crashtest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// writeAction is what the proxy does with one batch update once the fake applied it.
type writeAction int

const (
	answerWrite writeAction = iota // pass the fake's answer on
	dropAnswer                     // close the client's connection without an answer
	holdAnswer                     // keep the answer until released or the client gives up
)

func (a writeAction) String() string {
	return [...]string{"answered", "dropped", "held"}[a]
}

// proxiedWrite is one batch update that went through the proxy.
type proxiedWrite struct {
	N      int      // 1-based, in the order the proxy received them
	IDs    []string // the contacts it updated
	Status int      // what the fake answered
	Action writeAction
	// GaveUp: the answer was held and the client closed the connection first.
	GaveUp bool
}

// hubProxy is a reverse proxy in front of the fake HubSpot, on its own loopback port.
// Every batch update is forwarded, so the fake applies it whatever happens next; its
// answer is then passed on, dropped (the client's connection is closed without a
// response: a reset after the CRM committed) or held (a CRM that stalls after
// committing). A test gives each leadsync process its own proxy to tell their writes
// apart.
type hubProxy struct {
	target string
	srv    *httptest.Server
	client *http.Client
	// closing ends every held answer when the test ends.
	closing chan struct{}
	held    chan proxiedWrite // each held write, once the fake applied it

	mu      sync.Mutex
	decide  func(n int) writeAction
	writes  []proxiedWrite
	reads   [][]string    // the ids of each batch read (the read-backs)
	release chan struct{} // closed: held answers go out
}

func newHubProxy(t *testing.T, target string) *hubProxy {
	t.Helper()
	p := &hubProxy{target: strings.TrimRight(target, "/"), closing: make(chan struct{}),
		held: make(chan proxiedWrite, 16), release: make(chan struct{}),
		client: &http.Client{Transport: &http.Transport{}}}
	p.srv = httptest.NewServer(p)
	// Last in, first out: held handlers return before the server waits for them.
	t.Cleanup(p.srv.Close)
	t.Cleanup(p.client.CloseIdleConnections)
	t.Cleanup(func() { close(p.closing) })
	return p
}

func (p *hubProxy) URL() string { return p.srv.URL }

// setDecide sets what happens to the n-th batch update (1-based); nil answers all.
func (p *hubProxy) setDecide(decide func(n int) writeAction) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.decide = decide
}

// releaseHeld lets every held answer, and every one held from now on, go out.
func (p *hubProxy) releaseHeld() {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.release:
	default:
		close(p.release)
	}
}

// Writes returns a copy of the batch updates seen so far.
func (p *hubProxy) Writes() []proxiedWrite {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.writes)
}

// ReadIDs returns every id the batch reads asked for, each once.
func (p *hubProxy) ReadIDs() map[string]bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[string]bool{}
	for _, ids := range p.reads {
		for _, id := range ids {
			out[id] = true
		}
	}
	return out
}

// waitHeld waits for the next held write; it fails the test when the child ends
// first or after limit.
func (p *hubProxy) waitHeld(t *testing.T, c *watched, limit time.Duration) proxiedWrite {
	t.Helper()
	select {
	case w := <-p.held:
		return w
	case <-c.done:
		out := c.outcome(t, c.err)
		t.Fatalf("leadsync ended (exit %d) before it sent the batch update the proxy holds; stdout %q, stderr:\n%s",
			out.Code, out.Stdout, tail(out.Stderr))
	case <-time.After(limit):
		t.Fatalf("no batch update reached the proxy within %v; stderr:\n%s", limit, tail(c.stderr.String()))
	}
	return proxiedWrite{}
}

func (p *hubProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	isWrite := r.Method == http.MethodPost && isHubWrite(r.URL.Path)
	if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/contacts/batch/read") {
		p.mu.Lock()
		p.reads = append(p.reads, batchIDs(body))
		p.mu.Unlock()
	}
	// A write is applied whatever the client does meanwhile: the CRM committed it.
	ctx := r.Context()
	if isWrite {
		ctx = context.WithoutCancel(ctx)
	}
	resp, err := p.forward(ctx, r, body)
	if err != nil {
		http.Error(w, "proxy: "+err.Error(), http.StatusBadGateway)
		return
	}
	if !isWrite {
		p.answer(w, resp)
		return
	}

	p.mu.Lock()
	pw := proxiedWrite{N: len(p.writes) + 1, IDs: batchIDs(body), Status: resp.status}
	if p.decide != nil {
		pw.Action = p.decide(pw.N)
	}
	p.writes = append(p.writes, pw)
	release := p.release
	p.mu.Unlock()

	switch pw.Action {
	case dropAnswer:
		p.drop(w)
		return
	case holdAnswer:
		select {
		case p.held <- pw:
		case <-p.closing:
		}
		select {
		case <-release:
			p.answer(w, resp)
		case <-r.Context().Done():
			p.mu.Lock()
			p.writes[pw.N-1].GaveUp = true
			p.mu.Unlock()
		case <-p.closing:
			p.drop(w)
		}
		return
	}
	p.answer(w, resp)
}

// proxiedResponse is the fake's whole answer.
type proxiedResponse struct {
	status int
	header http.Header
	body   []byte
}

func (p *hubProxy) forward(ctx context.Context, r *http.Request, body []byte) (proxiedResponse, error) {
	req, err := http.NewRequestWithContext(ctx, r.Method, p.target+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		return proxiedResponse{}, err
	}
	req.Header = r.Header.Clone()
	req.Header.Del("Connection")
	resp, err := p.client.Do(req)
	if err != nil {
		return proxiedResponse{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return proxiedResponse{}, err
	}
	return proxiedResponse{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

func (p *hubProxy) answer(w http.ResponseWriter, resp proxiedResponse) {
	for k, vs := range resp.header {
		switch k {
		case "Content-Length", "Connection", "Transfer-Encoding":
			continue
		}
		w.Header()[k] = vs
	}
	w.WriteHeader(resp.status)
	_, _ = w.Write(resp.body)
}

// drop closes the client's connection without a byte of answer.
func (p *hubProxy) drop(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

// batchIDs reads the record ids of a batch read or update body.
func batchIDs(body []byte) []string {
	var in struct {
		Inputs []struct {
			ID string `json:"id"`
		} `json:"inputs"`
	}
	_ = json.Unmarshal(body, &in)
	ids := make([]string, 0, len(in.Inputs))
	for _, it := range in.Inputs {
		ids = append(ids, it.ID)
	}
	return ids
}
