package crm

import (
	"context"
	"errors"
	"iter"
	"time"
)

// Deletion is a record the CRM deleted (archived, recycled, merged away).
type Deletion struct {
	ID string
	At time.Time
}

// DeletionFeed is a CRM that lists the records of an object deleted since a time.
//
// A feed reaches back only as far as the CRM's recycle bin (HubSpot 90 days,
// Salesforce 15 days or less). A since of the zero time asks for everything the feed
// still holds. A since the feed no longer reaches fails at once with an error that
// wraps ErrDeletionsExpired, instead of silently leaving out deletions it has lost;
// the caller decides whether to read the whole window instead.
type DeletionFeed interface {
	Deleted(ctx context.Context, object string, since time.Time) iter.Seq2[Deletion, error]
}

// ErrDeletionsExpired says a DeletionFeed was asked for deletions older than it keeps:
// some may be lost.
var ErrDeletionsExpired = errors.New("the CRM no longer lists deletions that old")
