package hubspot

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/leadsync/leadsync/crm"
)

// position is what a crm.Cursor holds for HubSpot. Watermark is the end of the last
// completed window; while a window is being read, Lo/Hi bound it and LastID is the
// highest hs_object_id already handed out in it.
//
// Times are Unix milliseconds, HubSpot's own precision.
type position struct {
	Version   int    `json:"v"`
	Watermark int64  `json:"w,omitempty"`
	Lo        int64  `json:"lo,omitempty"`
	Hi        int64  `json:"hi,omitempty"`
	LastID    string `json:"id,omitempty"`
}

const cursorVersion = 1

// inWindow reports whether the position is inside an unfinished window.
func (p position) inWindow() bool { return p.Hi != 0 }

func (p position) encode() crm.Cursor {
	p.Version = cursorVersion
	b, _ := json.Marshal(p) // cannot fail: plain fields
	return crm.Cursor(b)
}

func decodeCursor(c crm.Cursor) (position, error) {
	if c == "" {
		return position{}, nil
	}
	var p position
	if err := json.Unmarshal([]byte(c), &p); err != nil {
		return position{}, fmt.Errorf("not a HubSpot cursor: %w", err)
	}
	if p.Version != cursorVersion {
		return position{}, fmt.Errorf("unknown HubSpot cursor version %d", p.Version)
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
