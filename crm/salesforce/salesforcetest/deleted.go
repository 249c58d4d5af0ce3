package salesforcetest

import (
	"net/http"
	"slices"
	"strings"
	"time"
)

// RecycleBinDays is how long a deleted record stays in the recycle bin, and so in the
// Get Deleted feed and in queryAll (reference §3.9: "results only for the last 15
// days").
const RecycleBinDays = 15

const recycleBin = RecycleBinDays * 24 * time.Hour

// deletedOut is the Get Deleted answer (reference §3.9).
type deletedOut struct {
	DeletedRecords        []deletedRecord `json:"deletedRecords"`
	EarliestDateAvailable string          `json:"earliestDateAvailable"`
	LatestDateCovered     string          `json:"latestDateCovered"`
}

type deletedRecord struct {
	ID          string `json:"id"`
	DeletedDate string `json:"deletedDate"`
}

// handleDeleted serves GET /services/data/vXX.X/sobjects/{object}/deleted/?start=&end=
// (reference §3.9): the records of object deleted (or merged away) between start and
// end, seconds ignored, oldest first, as long as they are in the recycle bin (15
// days, less after PurgeRecycleBin). earliestDateAvailable is the start of what the
// log still holds: 15 days ago, or the last purge; latestDateCovered is end, or now
// if end is later. A missing or unreadable start or end, or a start after the end,
// is refused with 400 INVALID_REPLICATION_DATE (INFERENCE: the reference gives no
// error body for them).
func (s *Server) handleDeleted(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	start, okStart := parseReplicationDate(q.Get("start"))
	end, okEnd := parseReplicationDate(q.Get("end"))
	if !okStart || !okEnd || start.After(end) {
		writeError(w, http.StatusBadRequest, "INVALID_REPLICATION_DATE",
			"start and end must be dateTimes, start not after end: start="+q.Get("start")+", end="+q.Get("end"))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.objects[strings.ToLower(r.PathValue("object"))]
	if !ok {
		notFound(w)
		return
	}
	now := s.now()
	s.purgeOld(o, now)
	earliest := now.Add(-recycleBin)
	if s.purgedAt.After(earliest) {
		earliest = s.purgedAt
	}
	covered := end
	if now.Before(end) {
		covered = now.Truncate(time.Minute)
	}
	out := deletedOut{DeletedRecords: []deletedRecord{}, EarliestDateAvailable: earliest.Truncate(time.Minute).Format(datetimeLayout),
		LatestDateCovered: covered.Format(datetimeLayout)}
	for _, id := range o.ids {
		rec := o.records[id]
		if rec.deleted && !rec.deletedAt.Before(start) && rec.deletedAt.Before(covered.Add(time.Minute)) {
			out.DeletedRecords = append(out.DeletedRecords, deletedRecord{ID: rec.id, DeletedDate: rec.deletedAt.Format(datetimeLayout)})
		}
	}
	slices.SortStableFunc(out.DeletedRecords, func(a, b deletedRecord) int { return strings.Compare(a.DeletedDate, b.DeletedDate) })
	writeJSON(w, http.StatusOK, out)
}

// parseReplicationDate reads a start or end parameter to the minute: Salesforce
// ignores the seconds (reference §3.9). Clients send +00:00 offsets or Z; the
// reference's own datetime layout is accepted too.
func parseReplicationDate(v string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339, datetimeLayout} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC().Truncate(time.Minute), true
		}
	}
	return time.Time{}, false
}

// purgeOld removes the records deleted more than 15 days ago: they leave queryAll and
// the Get Deleted feed. The feed's reads run it (the fake has no background purge).
// s.mu is held.
func (s *Server) purgeOld(o *object, now time.Time) {
	o.ids = slices.DeleteFunc(o.ids, func(id string) bool {
		rec := o.records[id]
		if rec.deleted && now.Sub(rec.deletedAt) >= recycleBin {
			delete(o.records, id)
			return true
		}
		return false
	})
}

// PurgeRecycleBin empties the recycle bin of every object now, as an admin (or
// Salesforce, above a size threshold) may: the deleted records are gone from queryAll
// and the Get Deleted feed, whose earliestDateAvailable moves to now.
func (s *Server) PurgeRecycleBin() {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for _, o := range s.objects {
		o.ids = slices.DeleteFunc(o.ids, func(id string) bool {
			if o.records[id].deleted {
				delete(o.records, id)
				return true
			}
			return false
		})
	}
	s.purgedAt = now
}
