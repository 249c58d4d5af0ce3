package hubspot

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/leadsync/leadsync/crm"
)

var _ crm.DeletionFeed = (*Client)(nil)

// RecycleBin is how long HubSpot keeps an archived record restorable, and so in the
// ?archived=true list (hubspot-api.md §4.6).
const RecycleBin = 90 * 24 * time.Hour

// maxListLimit is the list endpoint's page size cap (hubspot-api.md §4, the list row).
const maxListLimit = 100

// archivedPage is CollectionResponseSimplePublicObjectWithAssociationsForwardPaging
// as the archived list fills it.
type archivedPage struct {
	Results []struct {
		ID         string `json:"id"`
		ArchivedAt string `json:"archivedAt"`
	} `json:"results"`
	Paging *paging `json:"paging"`
}

// Deleted lists the records of object archived at or after since, from
// GET /crm/v3/objects/{object}?archived=true, which lists only archived records with
// their archivedAt (hubspot-api.md §4.6), 100 a call, paced like every other call.
// The list is in id order, not by archive time, and cannot be filtered by it: each
// read walks the whole recycle bin and keeps the records archived since since.
//
// Merged-away records are not in the list: HubSpot reads their ids as the merged
// record (§4.6), and the connector moves their state there when the change stream
// hands it out (crm.Record.MergedIDs). GDPR deletions are permanent and leave no trace
// in the list. A since more than RecycleBin ago fails at once with ErrDeletionsExpired.
func (c *Client) Deleted(ctx context.Context, object string, since time.Time) iter.Seq2[crm.Deletion, error] {
	return func(yield func(crm.Deletion, error) bool) {
		op := "list deleted " + object
		if !since.IsZero() && since.Before(c.now().Add(-RecycleBin)) {
			yield(crm.Deletion{}, &crm.Error{Service: service, Op: op, Class: crm.ClassInvalid, Err: crm.ErrDeletionsExpired,
				Message: "HubSpot keeps archived records 90 days; deletions since " + since.UTC().Format(time.RFC3339) + " may be lost"})
			return
		}
		q := url.Values{"archived": {"true"}, "limit": {strconv.Itoa(maxListLimit)}, "properties": {"hs_object_id"}}
		base := "/crm/v3/objects/" + url.PathEscape(object) + "?"
		for {
			var page archivedPage
			if err := c.call(ctx, op, http.MethodGet, base+q.Encode(), nil, &page); err != nil {
				yield(crm.Deletion{}, err)
				return
			}
			for _, r := range page.Results {
				at, ok := parseTime(r.ArchivedAt)
				if !ok || at.Before(since) {
					continue // no archivedAt: not something HubSpot archived as a deletion
				}
				if !yield(crm.Deletion{ID: r.ID, At: at}, nil) {
					return
				}
			}
			after, ok := page.Paging.nextAfter()
			if !ok || after == "" {
				return
			}
			q.Set("after", after)
		}
	}
}
