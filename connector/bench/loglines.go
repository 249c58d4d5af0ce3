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
}

func newCountingHandler(next *slog.Logger) *countingHandler {
	h := &countingHandler{c: &lineCounts{levels: map[string]int{}, messages: map[string]int{}}}
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

func (h *countingHandler) counts() (levels, messages map[string]int) {
	h.c.mu.Lock()
	defer h.c.mu.Unlock()
	return maps.Clone(h.c.levels), maps.Clone(h.c.messages)
}
