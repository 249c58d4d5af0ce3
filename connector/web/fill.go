package web

import (
	"fmt"
	"maps"
	"slices"

	"github.com/leadsync/leadsync/state"
)

// Mapping actions (mapping.Action) that say the field already held a value that
// leadsync did not put there in this decision: it was filled before leadsync.
var filledBefore = []string{"keep_filled", "keep_same", "keep_not_ours"}

const fillBarWidth = 240

// fillRow is one mapped field's fill rate: of the records whose field the mapping
// decided on, the share already filled (before) and the share filled once
// leadsync's writes are counted (after).
type fillRow struct {
	Field      string
	Considered int // decisions on the field
	Filled     int // filled before leadsync
	Written    int
	BeforePct  int // rounded down, so that 100 means all
	AfterPct   int
	BeforeW    float64 // bar widths within fillBarWidth
	AfterW     float64
	BarWidth   int
	Label      string // the bar's accessible name
}

// fillRows turns summed field actions into one row per field, by name.
func fillRows(fa state.FieldActions) []fillRow {
	var rows []fillRow
	for _, field := range slices.Sorted(maps.Keys(fa)) {
		r := fillRow{Field: field, BarWidth: fillBarWidth}
		for action, n := range fa[field] {
			r.Considered += n
			if slices.Contains(filledBefore, action) {
				r.Filled += n
			}
		}
		if r.Considered <= 0 {
			continue
		}
		r.Written = fa[field]["write"]
		after := r.Filled + r.Written
		r.BeforePct, r.AfterPct = 100*r.Filled/r.Considered, 100*after/r.Considered
		r.BeforeW = float64(fillBarWidth) * float64(r.Filled) / float64(r.Considered)
		r.AfterW = float64(fillBarWidth) * float64(after) / float64(r.Considered)
		r.Label = fmt.Sprintf("%s: %d%% filled before leadsync, %d%% after, of %d records", field, r.BeforePct, r.AfterPct, r.Considered)
		rows = append(rows, r)
	}
	return rows
}
