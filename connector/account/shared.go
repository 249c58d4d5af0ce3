package account

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"time"

	"github.com/leadsync/leadsync/connector/limit"
	"golang.org/x/time/rate"
)

// Shared makes the limits that every replica on one database shares (pgshare.Limits
// implements it). Given to New, it makes the Lusha account's rate, usage window and
// credit reservations, and the pacing of CRM adapters built with BuildShared, hold for
// the whole cluster instead of for this process. The daily API quotas of HubSpot and
// Salesforce need nothing of it: the servers count them and report the count in
// every answer's headers, which every replica reads alike.
type Shared interface {
	// Bucket is the token bucket called name; perSecond and burst are this process's
	// settings, which it writes on its first take.
	Bucket(name string, perSecond rate.Limit, burst int) Bucket
	// Window admits at most n events in any span of length per.
	Window(name string, n int, per time.Duration) Gate
	// Bookings keeps the credit reservations called name.
	Bookings(name string) Bookings
}

// Bucket is a token bucket a CRM adapter's pacer waits on (hubspot.Limiter) and the
// Lusha account's limiter.
type Bucket interface {
	limiter
	SetBurst(n int)
	// Drain spends saved-up calls until at most n are left and, when pause > 0, admits
	// none for that long.
	Drain(ctx context.Context, n int, pause time.Duration)
}

// limiter paces Lusha's calls: a *rate.Limiter, or a Bucket every replica shares.
type limiter interface {
	Wait(ctx context.Context) error
	Limit() rate.Limit
	// SetLimit changes the rate; adapt lowers it while Lusha's windows run low.
	SetLimit(r rate.Limit)
}

// Gate admits events within a window (the usage endpoint's 5 a minute).
type Gate interface {
	Wait(ctx context.Context) error
	// Admit admits an event now if there is room; it never waits.
	Admit(ctx context.Context) bool
}

// Bookings holds the credits that calls in flight reserved and have not yet persisted
// as spend.
type Bookings interface {
	// Book calls grant with the credits every live booking holds, while no other Book
	// of the same bookings runs, and books what grant returns until release.
	Book(ctx context.Context, grant func(ctx context.Context, booked int) (int, error)) (granted int, release func(), err error)
}

// localBookings are the reservations of this process alone.
type localBookings struct {
	mu       sync.Mutex
	reserved int
}

func (l *localBookings) Book(ctx context.Context, grant func(context.Context, int) (int, error)) (int, func(), error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	granted, err := grant(ctx, l.reserved)
	if err != nil || granted <= 0 {
		return 0, func() {}, err
	}
	l.reserved += granted
	var once sync.Once
	return granted, func() {
		once.Do(func() {
			l.mu.Lock()
			l.reserved -= granted
			l.mu.Unlock()
		})
	}, nil
}

// bucket is a shared bucket when the accounts share limits, else this process's own.
func (sh *shared) bucket(name string, r rate.Limit, burst int) limiter {
	if sh.limits == nil {
		return rate.NewLimiter(r, burst)
	}
	return sh.limits.Bucket(name, r, burst)
}

func (sh *shared) window(name string, n int, per time.Duration) Gate {
	if sh.limits == nil {
		return limit.NewWindow(n, per)
	}
	return sh.limits.Window(name, n, per)
}

// limitName names an account's limit in the database without its secrets: the
// identity holds the API key.
func limitName(kind, identity, limit string) string {
	sum := sha256.Sum256([]byte(identity))
	return kind + ":" + hex.EncodeToString(sum[:8]) + ":" + limit
}
