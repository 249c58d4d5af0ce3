package account

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/leadsync/leadsync/connector/observe"
	"github.com/leadsync/leadsync/crm"
)

// Ledger is the part of the state store the budget reads.
type Ledger interface {
	// CreditsSpent sums the credits spent since t (all pipelines when pipeline is "").
	CreditsSpent(ctx context.Context, pipeline string, since time.Time) (int, error)
}

// ErrBudgetSpent is what records meet when the configured credit budget is spent:
// they wait for the budget to reset, and nothing is lost.
var ErrBudgetSpent = &crm.Error{Service: "leadsync", Op: "budget", Class: crm.ClassCredits,
	Message: "credit budget spent"}

// budget keeps spend within the per-run and per-day caps. The day counts what the
// store says was spent plus what calls in flight reserved; reservations outlive a
// reload, which changes only the caps.
type budget struct {
	ledger  Ledger
	metrics *observe.Metrics
	mu      sync.Mutex
	perDay  int
	perRun  int
	// reserved is booked by calls in flight and not yet persisted as spend.
	reserved int
}

func (b *budget) setCaps(perDay, perRun int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.perDay > 0 && perDay == 0 {
		b.metrics.NoCreditBudget()
	}
	b.perDay, b.perRun = perDay, perRun
}

// reserve books up to want credits and returns how many it granted and the release
// to call once the actual spend is persisted (or the call failed). The lock is held
// across the ledger read, so that two reservations never see the same credits free.
func (b *budget) reserve(ctx context.Context, runSpent, want int, now time.Time) (int, func(), error) {
	if want <= 0 {
		return 0, func() {}, nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	left, err := b.leftLocked(ctx, runSpent, now)
	if err != nil {
		return 0, func() {}, err
	}
	granted := want
	if left >= 0 {
		granted = min(want, left)
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

// leftLocked is what may still be granted, or -1 without caps.
func (b *budget) leftLocked(ctx context.Context, runSpent int, now time.Time) (int, error) {
	left := -1
	if b.perRun > 0 {
		left = max(0, b.perRun-runSpent)
	}
	if b.perDay > 0 {
		spent, err := b.ledger.CreditsSpent(ctx, "", now.UTC().Truncate(24*time.Hour))
		if err != nil {
			return 0, fmt.Errorf("read credit spend: %w", err)
		}
		dayLeft := max(0, b.perDay-spent-b.reserved)
		b.metrics.CreditBudget(dayLeft)
		if left < 0 || dayLeft < left {
			left = dayLeft
		}
	}
	return left, nil
}
