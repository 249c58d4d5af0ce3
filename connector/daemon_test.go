package connector

import (
	"io"
	"log/slog"
	"sync"
	"testing"
)

// Ticks that fire while shutdown begins never join the runs being waited for: the
// race detector flags a WaitGroup Add that races its Wait.
func TestNoRunJoinsOnceDrainingBegan(t *testing.T) {
	for range 50 {
		d := &Daemon{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), draining: make(chan struct{}),
			locks: map[string]*sync.Mutex{}, running: map[string]bool{},
			stopped: map[string]string{"p": "stopped: the tick returns at once"}}
		p := &Pipeline{Name: "p"}
		var ticks sync.WaitGroup
		for range 8 {
			ticks.Go(func() { d.runOnce(nil, p) })
		}
		<-d.drain()
		ticks.Wait()
		d.runOnce(nil, p) // after draining: returns without joining
	}
}
