package salesforce

import (
	"cmp"
	"maps"
	"slices"
	"time"

	"github.com/leadsync/leadsync/crm"
)

// DefaultLookback is how far before the last read's upper bound a read looks again.
// Salesforce stamps SystemModstamp when a transaction starts, so the rows of a long
// one (a bulk import, heavy triggers) can commit after a read went past their stamp;
// the reference advises a look-back of 2 to 5 minutes and re-scanning the last 5
// (salesforce-api.md §7.2 "Late commits", §7.5), as tap-salesforce's lookback_window
// does.
const DefaultLookback = 5 * time.Minute

// maxSeen bounds the records a cursor remembers from its look-back window. A window
// holding more (a bulk import) forgets its oldest: they may be handed out once more,
// and the connector recognises them by their stored SystemModstamp and digest.
const maxSeen = 2000

// seenKey is a record version: a record changed since is a new version to hand out.
type seenKey struct {
	stamp int64 // Unix seconds
	id    string
}

// tracker follows one read: where it stands, and which versions it handed out (or an
// earlier read did) since the look-back floor, so that each goes out once.
type tracker struct {
	pos   position
	seen  map[seenKey]bool
	upper time.Time // the read takes records stamped before it
	floor time.Time // upper minus the look-back: what the next read looks back to
	from  time.Time // the look-back start of this read (zero: none)
	last  time.Time // the stamp of the last row looked at
}

func newTracker(pos position, upper time.Time, lookback time.Duration) *tracker {
	tr := &tracker{pos: pos, seen: map[seenKey]bool{}, upper: upper, floor: upper.Add(-lookback)}
	for stamp, ids := range pos.Seen {
		for _, id := range ids {
			tr.seen[seenKey{mustTime(stamp).Unix(), id}] = true
		}
	}
	if !pos.empty() && lookback > 0 {
		if from := pos.asOf().Add(-lookback); !from.After(pos.stamp()) {
			tr.from = from
		}
	}
	return tr
}

// lowerBound is the WHERE term where the read starts: after the position in
// (SystemModstamp, Id) order, or, when the look-back reaches behind it, at the
// look-back start.
func (tr *tracker) lowerBound() string {
	switch {
	case tr.pos.empty():
		return ""
	case !tr.from.IsZero():
		return "SystemModstamp >= " + tr.from.UTC().Format(soqlDatetime)
	}
	t := tr.pos.stamp().Format(soqlDatetime)
	return "(SystemModstamp > " + t + " OR (SystemModstamp = " + t + " AND Id > " + quote(tr.pos.ID) + "))"
}

// take reports whether a row read is to be handed out: not when this version went
// out before. It moves the position past the row and remembers the version.
func (tr *tracker) take(r crm.Record) bool {
	tr.last = r.ModifiedAt
	k := seenKey{r.ModifiedAt.Unix(), r.ID}
	if tr.seen[k] {
		return false
	}
	if tr.pos.after(r.ModifiedAt, r.ID) {
		tr.pos.Stamp, tr.pos.ID = formatStamp(r.ModifiedAt), r.ID
	}
	if !r.ModifiedAt.Before(tr.floor) {
		tr.seen[k] = true
	}
	return true
}

// cursor is the position after the records taken so far. It forgets versions no read
// needs any more: older than the floor and behind the rows already looked at (rows
// come in stamp order), then the oldest beyond maxSeen.
func (tr *tracker) cursor() crm.Cursor {
	for k := range tr.seen {
		if k.stamp < tr.floor.Unix() && k.stamp < tr.last.Unix() {
			delete(tr.seen, k)
		}
	}
	if over := len(tr.seen) - maxSeen; over > 0 {
		keys := slices.SortedFunc(maps.Keys(tr.seen), func(a, b seenKey) int {
			return cmp.Or(cmp.Compare(a.stamp, b.stamp), cmp.Compare(a.id, b.id))
		})
		for _, k := range keys[:over] {
			delete(tr.seen, k)
		}
	}
	p := tr.pos
	p.AsOf, p.Seen = formatStamp(tr.upper), nil
	for k := range tr.seen {
		if k.stamp >= tr.floor.Unix() {
			if p.Seen == nil {
				p.Seen = map[string][]string{}
			}
			s := formatStamp(time.Unix(k.stamp, 0))
			p.Seen[s] = append(p.Seen[s], k.id)
		}
	}
	for _, ids := range p.Seen {
		slices.Sort(ids)
	}
	return p.encode()
}
