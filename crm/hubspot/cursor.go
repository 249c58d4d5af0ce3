package hubspot

import (
	"fmt"
	"strconv"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/internal/httpx"
)

// position is what a crm.Cursor holds for HubSpot. Watermark is the end of the last
// completed window; while a window is being read, Lo/Hi bound it and LastID is the
// highest hs_object_id already handed out in it.
//
// Times are Unix milliseconds, HubSpot's own precision.
type position struct {
	Watermark int64  `json:"w,omitempty"`
	Lo        int64  `json:"lo,omitempty"`
	Hi        int64  `json:"hi,omitempty"`
	LastID    string `json:"id,omitempty"`
}

const cursorVersion = 1

// inWindow reports whether the position is inside an unfinished window.
func (p position) inWindow() bool { return p.Hi != 0 }

func (p position) encode() crm.Cursor { return httpx.EncodeCursor(cursorVersion, p) }

func decodeCursor(c crm.Cursor) (position, error) {
	p, err := httpx.DecodeCursor[position]("HubSpot", cursorVersion, c)
	if err != nil {
		return position{}, err
	}
	if p.LastID != "" {
		if _, err := strconv.ParseUint(p.LastID, 10, 64); err != nil {
			return position{}, fmt.Errorf("HubSpot cursor has a non-numeric id %q", p.LastID)
		}
	}
	if p.inWindow() && p.Lo > p.Hi {
		return position{}, fmt.Errorf("HubSpot cursor window ends before it starts")
	}
	return p, nil
}
