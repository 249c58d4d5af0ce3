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
// store says was spent plus what calls in flight booked; bookings outlive a reload,
// which changes only the caps. With shared bookings the day's cap holds for every
// replica on the database, as the store's spend does.
type budget struct {
	ledger  Ledger
	metrics *observe.Metrics
	book    Bookings
	mu      sync.Mutex
	perDay  int
	perRun  int
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
// to call once the actual spend is persisted (or the call failed). The bookings
// serialise the ledger read with the booking, so that two reservations never see the
// same credits free.
func (b *budget) reserve(ctx context.Context, runSpent, want int, now time.Time) (int, func(), error) {
	if want <= 0 {
		return 0, func() {}, nil
	}
	b.mu.Lock()
	perDay, perRun := b.perDay, b.perRun
	b.mu.Unlock()
	return b.book.Book(ctx, func(ctx context.Context, booked int) (int, error) {
		left, err := b.left(ctx, perDay, perRun, runSpent, booked, now)
		if err != nil {
			return 0, err
		}
		if left < 0 {
			return want, nil
		}
		return min(want, left), nil
	})
}

// left is what may still be granted, or -1 without caps.
func (b *budget) left(ctx context.Context, perDay, perRun, runSpent, booked int, now time.Time) (int, error) {
	left := -1
	if perRun > 0 {
		left = max(0, perRun-runSpent)
	}
	if perDay > 0 {
		spent, err := b.ledger.CreditsSpent(ctx, "", now.UTC().Truncate(24*time.Hour))
		if err != nil {
			return 0, fmt.Errorf("read credit spend: %w", err)
		}
		dayLeft := max(0, perDay-spent-booked)
		b.metrics.CreditBudget(dayLeft)
		if left < 0 || dayLeft < left {
			left = dayLeft
		}
	}
	return left, nil
}
