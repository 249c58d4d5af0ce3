// Package httpxtest loses answers on purpose: a server that applies a request and then
// never answers, for tests of what a client makes of an unknown outcome.
package httpxtest

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
)

// AfterApplying serves the requests match picks through next, which applies them, and
// then calls lose instead of sending next's answer. Other requests go to next as they
// are.
func AfterApplying(next http.Handler, match func(*http.Request) bool, lose http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !match(r) {
			next.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(httptest.NewRecorder(), r)
		_, _ = io.Copy(io.Discard, r.Body)
		lose(w, r)
	})
}

// HangUp drops the connection without an answer.
func HangUp(w http.ResponseWriter, _ *http.Request) {
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		conn.Close()
	}
}

// Stall holds the answer until the client gives up.
func Stall(_ http.ResponseWriter, r *http.Request) { <-r.Context().Done() }

// RefusedAddr is a loopback address nothing listens on: a dial to it is refused, so a
// request to it is never sent.
func RefusedAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}
