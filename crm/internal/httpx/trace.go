package httpx

import (
	"net/http/httptrace"
	"sync"
)

// sendTrace learns whether a request reached the connection. A write still under way
// when the call ends counts as sent: a cancellation can race the last bytes out, and
// taking a delivered write for an unsent one loses track of a change the server made.
// A write that failed is not sent, unless an earlier attempt of the transport's was.
type sendTrace struct {
	mu      sync.Mutex
	writing bool // headers written, the end of the request not yet reported
	written bool // one attempt was written whole
}

func (t *sendTrace) clientTrace() *httptrace.ClientTrace {
	return &httptrace.ClientTrace{
		WroteHeaders: func() {
			t.mu.Lock()
			t.writing = true
			t.mu.Unlock()
		},
		WroteRequest: func(info httptrace.WroteRequestInfo) {
			t.mu.Lock()
			t.writing = false
			t.written = t.written || info.Err == nil
			t.mu.Unlock()
		},
	}
}

func (t *sendTrace) sent() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.writing || t.written
}
