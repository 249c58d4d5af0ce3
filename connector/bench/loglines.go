package bench

import (
	"context"
	"log/slog"
	"maps"
	"sync"
)

// countingHandler counts the log records at info and above, by level and by message,
// and hands every record on to next (nil: none).
type countingHandler struct {
	next slog.Handler
	c    *lineCounts
}

type lineCounts struct {
	mu       sync.Mutex
	levels   map[string]int
	messages map[string]int
	// From the "run finished" lines: runs by status, records read and written.
	runs          map[string]int
	read, written int
}

func newCountingHandler(next *slog.Logger) *countingHandler {
	h := &countingHandler{c: &lineCounts{levels: map[string]int{}, messages: map[string]int{}, runs: map[string]int{}}}
	if next != nil {
		h.next = next.Handler()
	}
	return h
}

func (h *countingHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelInfo || (h.next != nil && h.next.Enabled(ctx, l))
}

func (h *countingHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelInfo {
		h.c.mu.Lock()
		h.c.levels[r.Level.String()]++
		h.c.messages[r.Message]++
		if r.Message == runFinished {
			h.c.countRun(r)
		}
		h.c.mu.Unlock()
	}
	if h.next != nil && h.next.Enabled(ctx, r.Level) {
		return h.next.Handle(ctx, r)
	}
	return nil
}

func (h *countingHandler) WithAttrs(as []slog.Attr) slog.Handler {
	c := *h
	if h.next != nil {
		c.next = h.next.WithAttrs(as)
	}
	return &c
}

func (h *countingHandler) WithGroup(name string) slog.Handler {
	c := *h
	if h.next != nil {
		c.next = h.next.WithGroup(name)
	}
	return &c
}

// runFinished is the message the runner logs at the end of every run, with its
// status and counts.
const runFinished = "run finished"

func (c *lineCounts) countRun(r slog.Record) {
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "status":
			c.runs[a.Value.String()]++
		case "read":
			c.read += intOf(a.Value)
		case "written":
			c.written += intOf(a.Value)
		}
		return true
	})
}

func intOf(v slog.Value) int {
	if v.Kind() != slog.KindInt64 {
		return 0
	}
	return int(v.Int64())
}

// runs returns the finished runs by status and the records they read and wrote.
func (h *countingHandler) runs() (byStatus map[string]int, read, written int) {
	h.c.mu.Lock()
	defer h.c.mu.Unlock()
	return maps.Clone(h.c.runs), h.c.read, h.c.written
}

func (h *countingHandler) counts() (levels, messages map[string]int) {
	h.c.mu.Lock()
	defer h.c.mu.Unlock()
	return maps.Clone(h.c.levels), maps.Clone(h.c.messages)
}
