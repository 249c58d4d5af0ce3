package hubspottest

import (
	"net/http"
	"time"
)

// recycleBinDays is how long an archived record stays restorable, and listed by
// ?archived=true (reference §4.6, the list endpoint row: "restorable 90 days").
const recycleBinDays = 90

// inRecycleBin says whether an archived record is still in the recycle bin at now;
// older ones count as purged and no list shows them.
func (c *record) inRecycleBin(now time.Time) bool {
	return c.archived && c.mergedInto == 0 && now.Sub(c.archivedAt) < recycleBinDays*24*time.Hour
}

// deleteObject serves DELETE /crm/v3/objects/{objectType}/{id}: the record moves to
// the recycle bin. HubSpot answers 204 for an id it does not have as well (reference
// §4, the delete row).
func (s *Server) deleteObject(w http.ResponseWriter, r *http.Request, o *objectType) {
	s.mu.Lock()
	s.archive(o, r.PathValue("id"))
	s.mu.Unlock()
	w.Header().Del("Content-Type")
	w.WriteHeader(http.StatusNoContent)
}

// batchArchive serves POST /crm/v3/objects/{objectType}/batch/archive with
// {"inputs":[{"id":"…"}]}: 204, unknown ids included.
func (s *Server) batchArchive(w http.ResponseWriter, r *http.Request, o *objectType) {
	type input struct {
		ID string `json:"id"`
	}
	in, ok := decodeInputs[input](w, r, maxBatchInputs)
	if !ok {
		return
	}
	s.mu.Lock()
	for _, i := range in {
		s.archive(o, i.ID)
	}
	s.mu.Unlock()
	w.Header().Del("Content-Type")
	w.WriteHeader(http.StatusNoContent)
}

// archive moves a live record to the recycle bin; s.mu is held.
func (s *Server) archive(o *objectType, id string) {
	if c := o.live(id); c != nil {
		c.archived, c.archivedAt = true, s.now()
		s.reindex(c)
	}
}
