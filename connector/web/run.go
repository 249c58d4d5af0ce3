package web

import (
	"net/http"

	"github.com/leadsync/leadsync/state"
)

type runPage struct {
	common
	Run        state.Run
	Changes    []state.LedgerEntry
	Truncated  bool // more changes exist than are shown
	ShowValues bool
	Counts     []countRow
}

type countRow struct {
	Name string
	N    int
}

func (s *server) run(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	// One row more than shown tells whether the list was cut.
	view, err := s.src.Run(r.Context(), id, s.opts.MaxChanges+1)
	if err != nil {
		s.sourceFailed(w, r, err)
		return
	}
	page := runPage{
		common:     common{Title: "run " + view.Run.RunID, Now: s.opts.Now()},
		Run:        view.Run,
		Changes:    view.Changes,
		ShowValues: s.opts.ShowValues,
		Counts:     countRows(view.Run.Counts),
	}
	if len(page.Changes) > s.opts.MaxChanges {
		page.Changes, page.Truncated = page.Changes[:s.opts.MaxChanges], true
	}
	s.render(w, http.StatusOK, "run", page)
}

func countRows(c state.RunCounts) []countRow {
	return []countRow{
		{"records read", c.RecordsRead},
		{"records enriched", c.RecordsEnriched},
		{"records written", c.RecordsWritten},
		{"records skipped", c.RecordsSkipped},
		{"records failed", c.RecordsFailed},
		{"fields written", c.FieldsWritten},
		{"credits spent", c.CreditsSpent},
	}
}
