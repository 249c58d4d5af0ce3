package web

import (
	"net/http"
	"net/url"
)

type pipelinePage struct {
	common
	Row      pipelineRow
	Fill     []fillRow
	FillDays int
}

func pipelineURL(name string) string { return "/pipelines/" + url.PathEscape(name) }

// pipeline is one pipeline's page: its row of the overview, its breakers and the
// fill rates of its mapped fields.
func (s *server) pipeline(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	ov, err := s.src.Overview(r.Context())
	if err != nil {
		s.sourceFailed(w, r, err)
		return
	}
	for _, p := range ov.Pipelines {
		if p.Name != name {
			continue
		}
		now := s.opts.Now()
		page := pipelinePage{
			common:   common{Title: "pipeline " + p.Name, Now: now, Refresh: int(s.opts.Refresh.Seconds())},
			Row:      newPipelineRow(p, ov.Credits.PerDay),
			Fill:     fillRows(p.FieldActions),
			FillDays: int(FillWindow.Hours() / 24),
		}
		s.render(w, http.StatusOK, "pipeline", page)
		return
	}
	s.fail(w, http.StatusNotFound, "No such pipeline.")
}
