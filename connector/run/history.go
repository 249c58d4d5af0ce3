package run

import (
	"context"
	"sync"
	"time"

	"github.com/leadsync/leadsync/state"
)

// History prunes the state after runs, to the config's history section: old runs
// and their rows, superseded ledger rows, and the space they took (state.Prune).
// One History is shared by every pipeline's runs.
type History struct {
	Keep state.Retention
	// Every spaces the prunes: at most one per Every, whichever run finishes
	// first; 0 prunes after every run.
	Every time.Duration

	mu   sync.Mutex
	last time.Time
}

// due reports whether a prune is due at now, and if so books it.
func (h *History) due(now time.Time) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.last.IsZero() && now.Sub(h.last) < h.Every {
		return false
	}
	h.last = now
	return true
}

// prune runs after a run was recorded (not after a dry run), when the store can
// prune and a prune is due, in the run's context: a shutdown interrupts it, or
// skips it when it comes first. A prune that fails is logged and tried again when
// the next is due: it loses nothing.
func (rn *run) prune(ctx context.Context, now time.Time) {
	p, ok := rn.Store.(state.Pruner)
	if rn.History == nil || !ok || rn.opts.DryRun || ctx.Err() != nil || rn.stopping() || !rn.History.due(now) {
		return
	}
	rep, err := p.Prune(ctx, rn.History.Keep, now)
	if err != nil {
		rn.log.Warn("could not prune the state's history", "err", err)
		return
	}
	rn.log.Debug("pruned the state's history", "runs", rep.Runs, "ledger_rows", rep.LedgerRows,
		"spend_rows", rep.Spend, "freed_pages", rep.FreedPages)
}
