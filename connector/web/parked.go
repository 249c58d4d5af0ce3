package web

import (
	"cmp"
	"net/http"
	"slices"

	"github.com/leadsync/leadsync/state"
)

type parkedPage struct {
	common
	Pipeline  string // the filter; "" for every pipeline
	Records   []state.RecordState
	Truncated bool
	Classes   []classCount // of the records shown
	Pipelines []string     // of the records shown, for filter links
}

func (s *server) parked(w http.ResponseWriter, r *http.Request) {
	pipeline := r.URL.Query().Get("pipeline")
	records, err := s.src.Parked(r.Context(), pipeline, s.opts.MaxParked+1)
	if err != nil {
		s.sourceFailed(w, r, err)
		return
	}
	page := parkedPage{
		common:   common{Title: "parked records", Now: s.opts.Now()},
		Pipeline: pipeline,
		Records:  records,
	}
	if len(records) > s.opts.MaxParked {
		page.Records, page.Truncated = records[:s.opts.MaxParked], true
	}
	page.Classes, page.Pipelines = summarizeParked(page.Records)
	s.render(w, http.StatusOK, "parked", page)
}

// summarizeParked counts records by class, largest first, and lists their pipelines.
func summarizeParked(records []state.RecordState) ([]classCount, []string) {
	byClass := map[string]int{}
	var pipelines []string
	for _, r := range records {
		byClass[orNone(r.Class)]++
		if !slices.Contains(pipelines, r.Pipeline) {
			pipelines = append(pipelines, r.Pipeline)
		}
	}
	classes := make([]classCount, 0, len(byClass))
	for class, n := range byClass {
		classes = append(classes, classCount{Class: class, N: n})
	}
	slices.SortFunc(classes, func(a, b classCount) int {
		return cmp.Or(cmp.Compare(b.N, a.N), cmp.Compare(a.Class, b.Class))
	})
	slices.Sort(pipelines)
	return classes, pipelines
}
