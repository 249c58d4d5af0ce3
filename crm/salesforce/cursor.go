package salesforce

import (
	"fmt"
	"regexp"
	"time"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/internal/httpx"
)

// position is what a crm.Cursor holds for Salesforce: the (SystemModstamp, Id) of the
// last record handed out. Reads resume strictly after it in that order, so records
// sharing one second are neither skipped nor read twice.
type position struct {
	Stamp string `json:"t,omitempty"` // RFC 3339, UTC, whole seconds
	ID    string `json:"id,omitempty"`
}

const cursorVersion = 1

// idSyntax is a 15- or 18-char record id; checking it keeps a cursor from smuggling
// text into the SOQL it is quoted in.
var idSyntax = regexp.MustCompile(`^[0-9A-Za-z]{15}([0-9A-Za-z]{3})?$`)

func (p position) empty() bool { return p.Stamp == "" }

func (p position) stamp() time.Time {
	t, _ := time.Parse(time.RFC3339, p.Stamp) // checked by decodeCursor
	return t
}

func newPosition(stamp time.Time, id string) position {
	return position{Stamp: stamp.UTC().Truncate(time.Second).Format(time.RFC3339), ID: id}
}

func (p position) encode() crm.Cursor {
	if p.empty() {
		return ""
	}
	return httpx.EncodeCursor(cursorVersion, p)
}

func decodeCursor(c crm.Cursor) (position, error) {
	if c == "" {
		return position{}, nil
	}
	p, err := httpx.DecodeCursor[position]("Salesforce", cursorVersion, c)
	if err != nil {
		return position{}, err
	}
	if _, err := time.Parse(time.RFC3339, p.Stamp); err != nil {
		return position{}, fmt.Errorf("Salesforce cursor has a bad time %q", p.Stamp)
	}
	if !idSyntax.MatchString(p.ID) {
		return position{}, fmt.Errorf("Salesforce cursor has a bad id %q", p.ID)
	}
	return p, nil
}
