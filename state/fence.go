package state

import (
	"errors"
	"fmt"
	"time"
)

// ErrLeaseHeld is returned by AcquireLease when another live owner holds the lease.
// Acquire and ReleaseLease return it as a *LeaseHeldError.
var ErrLeaseHeld = errors.New("state: lease held by another owner")

// ErrLeaseLost is returned, wrapped with who holds the lease now, when a Fence no
// longer matches the lease: by Renew, and by CommitPage, which then writes nothing.
var ErrLeaseLost = errors.New("state: lease lost")

// Lease is one holding of a pipeline's lease. Generation grows by one each time the
// lease changes hands (including a release and a new acquire), never on a renewal.
type Lease struct {
	Pipeline   string
	Owner      string
	Generation int64
	AcquiredAt time.Time
	ExpiresAt  time.Time
}

// Fence is what a writer proves it still holds: a lease's pipeline, owner and
// generation. The zero Fence is no fence at all.
type Fence struct {
	Pipeline   string
	Owner      string
	Generation int64
}

// Fence returns the token that commits made under l carry.
func (l Lease) Fence() Fence {
	return Fence{Pipeline: l.Pipeline, Owner: l.Owner, Generation: l.Generation}
}

// LeaseHeldError says who holds a lease that was asked for, and until when; it
// matches ErrLeaseHeld.
type LeaseHeldError struct {
	Pipeline string
	Owner    string
	Until    time.Time
}

func (e *LeaseHeldError) Error() string {
	return fmt.Sprintf("pipeline %s: lease held by %s until %s", e.Pipeline, e.Owner, rfc3339(e.Until))
}

// Is makes errors.Is(err, ErrLeaseHeld) true.
func (e *LeaseHeldError) Is(target error) bool { return target == ErrLeaseHeld }

// lostError explains why fence f no longer holds, given the lease row now (found
// false: there is none).
func lostError(f Fence, now Lease, found bool) error {
	switch {
	case !found:
		return fmt.Errorf("%w: nobody holds the lease, nor ever did", ErrLeaseLost)
	case now.Owner == f.Owner && now.Generation == f.Generation:
		return fmt.Errorf("%w: the lease of %s expired at %s", ErrLeaseLost, f.Owner, rfc3339(now.ExpiresAt))
	case now.Owner == "":
		return fmt.Errorf("%w: nobody holds the lease; it was released at generation %d", ErrLeaseLost, now.Generation)
	default:
		return fmt.Errorf("%w: generation %d of %s is over; lease held by %s (generation %d) until %s",
			ErrLeaseLost, f.Generation, f.Owner, now.Owner, now.Generation, rfc3339(now.ExpiresAt))
	}
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }
