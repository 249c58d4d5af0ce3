package connector

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/state"
)

// budget keeps credit spend within the per-run and per-day caps, counting credits
// already spent (from the store) and credits reserved by calls in flight.
type budget struct {
	store          state.Store
	perDay, perRun int
	mu             sync.Mutex
	reserved       int
}

var errBudgetSpent = &crm.Error{Service: "leadsync", Op: "budget", Class: crm.ClassCredits,
	Message: "credit budget spent"}

func (b *budget) availableLocked(ctx context.Context, runSpent int, now time.Time) (int, error) {
	left := -1
	if b.perRun > 0 {
		left = max(0, b.perRun-runSpent)
	}
	if b.perDay > 0 {
		day := now.UTC().Truncate(24 * time.Hour)
		spent, err := b.store.CreditsSpent(ctx, "", day)
		if err != nil {
			return 0, fmt.Errorf("read credit spend: %w", err)
		}
		dayLeft := max(0, b.perDay-spent-b.reserved)
		if left < 0 || dayLeft < left {
			left = dayLeft
		}
	}
	return left, nil
}

// reserve books up to want credits; it returns how many were granted and a release
// to call once the actual spend is persisted.
func (b *budget) reserve(ctx context.Context, runSpent, want int, now time.Time) (int, func(), error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	left, err := b.availableLocked(ctx, runSpent, now)
	if err != nil {
		return 0, func() {}, err
	}
	granted := want
	if left >= 0 && left < want {
		granted = left
	}
	b.reserved += granted
	var once sync.Once
	return granted, func() {
		once.Do(func() {
			b.mu.Lock()
			b.reserved -= granted
			b.mu.Unlock()
		})
	}, nil
}
