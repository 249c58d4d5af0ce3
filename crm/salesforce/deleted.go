package salesforce

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"time"

	"github.com/leadsync/leadsync/crm"
)

var _ crm.DeletionFeed = (*Client)(nil)

// RecycleBin is how far back Salesforce's Get Deleted feed reaches at most: 15 days,
// less when the recycle bin was purged (salesforce-api.md §3.9).
const RecycleBin = 15 * 24 * time.Hour

// replicationLayout is how start and end are sent, as jsforce formats them (§3.9).
const replicationLayout = "2006-01-02T15:04:05+00:00"

// deletedResponse is the Get Deleted answer (§3.9).
type deletedResponse struct {
	DeletedRecords []struct {
		ID          string `json:"id"`
		DeletedDate string `json:"deletedDate"`
	} `json:"deletedRecords"`
	EarliestDateAvailable string `json:"earliestDateAvailable"`
	LatestDateCovered     string `json:"latestDateCovered"`
}

// Deleted lists the records of object deleted or merged away at or after since, with
// one GET /services/data/vXX.X/sobjects/{object}/deleted/?start=&end= (§3.9), from
// since (seconds ignored) to now.
//
// The feed is Get Deleted rather than queryAll with IsDeleted = true (§3.6, §7.3):
// both see deletions and merges, but only Get Deleted says how far back its log is
// whole (earliestDateAvailable, which moves forward when the recycle bin is purged),
// so that a reader that fell behind learns it lost deletions instead of missing them
// silently; it also gives each deletion's own date, where queryAll only has
// SystemModstamp, which any later change of a recycled record moves. Converted leads
// are not deletions and are not in the feed (§7.3: they stay Lead rows).
//
// A since older than the 15-day window, or than earliestDateAvailable, fails with
// ErrDeletionsExpired; the zero since reads the whole window. The log may lag now a
// little (latestDateCovered): a caller that starts its next read a few minutes before
// this one's end reads every deletion once at least.
func (c *Client) Deleted(ctx context.Context, object string, since time.Time) iter.Seq2[crm.Deletion, error] {
	return func(yield func(crm.Deletion, error) bool) {
		op := "list deleted " + object
		expired := func(msg string) {
			yield(crm.Deletion{}, &crm.Error{Service: service, Op: op, Class: crm.ClassInvalid, Err: crm.ErrDeletionsExpired, Message: msg})
		}
		if msg := checkNames(object, crm.ChangesRequest{}); msg != "" {
			yield(crm.Deletion{}, &crm.Error{Service: service, Op: op, Class: crm.ClassInvalid, Message: msg})
			return
		}
		now := c.now().UTC().Truncate(time.Minute)
		start := since.UTC().Truncate(time.Minute)
		switch {
		case since.IsZero():
			start = now.Add(-RecycleBin + time.Minute)
		case since.Before(now.Add(-RecycleBin)):
			expired("Salesforce lists deletions of the last 15 days; deletions since " + since.UTC().Format(time.RFC3339) + " may be lost")
			return
		}
		if !start.Before(now) {
			return // within this minute: the feed's precision
		}
		q := url.Values{"start": {start.Format(replicationLayout)}, "end": {now.Format(replicationLayout)}}
		var resp deletedResponse
		path := c.dataPath("/sobjects/" + object + "/deleted/?" + q.Encode())
		if err := c.call(ctx, request{op: op, method: http.MethodGet, path: path, out: &resp}); err != nil {
			yield(crm.Deletion{}, err)
			return
		}
		if earliest, err := parseDatetime(resp.EarliestDateAvailable); err == nil && !since.IsZero() && earliest.After(start) {
			expired("the recycle bin was purged: Salesforce lists deletions from " + earliest.Format(time.RFC3339) +
				", not since " + since.UTC().Format(time.RFC3339))
			return
		}
		for _, r := range resp.DeletedRecords {
			at, err := parseDatetime(r.DeletedDate)
			if err != nil || at.Before(since) {
				continue
			}
			if !yield(crm.Deletion{ID: r.ID, At: at}, nil) {
				return
			}
		}
	}
}
