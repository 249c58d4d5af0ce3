package salesforce

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"time"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/internal/httpx"
)

// position is what a crm.Cursor holds for Salesforce: the (SystemModstamp, Id) of the
// last record handed out, the upper bound of the read that handed it out, and the
// records handed out within the look-back before that bound. Reads resume after
// (Stamp, ID), so records sharing one second are neither skipped nor read twice, and
// look back from AsOf for records that long transactions committed late (lookback.go).
type position struct {
	Stamp string `json:"t,omitempty"`  // RFC 3339, UTC, whole seconds
	ID    string `json:"id,omitempty"` // 18 chars
	// AsOf is the read's upper bound: a record stamped before it had committed by
	// then, unless its transaction was still running.
	AsOf string `json:"u,omitempty"`
	// Seen lists, by stamp, the ids handed out at or after AsOf minus the look-back.
	Seen map[string][]string `json:"seen,omitempty"`
}

// cursorVersion stays 1: a cursor without u and seen (written before the look-back)
// reads as one whose read ended at its own stamp and remembers nothing.
const cursorVersion = 1

// idSyntax is a 15- or 18-char record id; checking it keeps a cursor from smuggling
// text into the SOQL it is quoted in.
var idSyntax = regexp.MustCompile(`^[0-9A-Za-z]{15}([0-9A-Za-z]{3})?$`)

func (p position) empty() bool { return p.Stamp == "" }

func (p position) stamp() time.Time { return mustTime(p.Stamp) }

// asOf is the upper bound of the read that wrote the cursor (its own stamp for a
// cursor from before the look-back).
func (p position) asOf() time.Time { return mustTime(cmpOr(p.AsOf, p.Stamp)) }

// mustTime parses a time decodeCursor checked.
func mustTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339, s)
	return t
}

func formatStamp(t time.Time) string { return t.UTC().Truncate(time.Second).Format(time.RFC3339) }

// after reports whether (stamp, id) comes after the position in (SystemModstamp, Id)
// order, the order of the read.
func (p position) after(stamp time.Time, id string) bool {
	if p.empty() {
		return true
	}
	if c := stamp.Compare(p.stamp()); c != 0 {
		return c > 0
	}
	return id > p.ID
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
	stamps := append([]string{p.Stamp}, slices.Collect(maps.Keys(p.Seen))...)
	if p.AsOf != "" {
		stamps = append(stamps, p.AsOf)
	}
	for _, s := range stamps {
		if _, err := time.Parse(time.RFC3339, s); err != nil {
			return position{}, fmt.Errorf("Salesforce cursor has a bad time %q", s)
		}
	}
	ids := append([]string{p.ID}, slices.Concat(slices.Collect(maps.Values(p.Seen))...)...)
	for _, id := range ids {
		if !idSyntax.MatchString(id) {
			return position{}, fmt.Errorf("Salesforce cursor has a bad id %q", id)
		}
	}
	return p, nil
}
