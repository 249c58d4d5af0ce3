package lushatest

import (
	"encoding/json"
	"net/http"
	"slices"
	"time"

	"github.com/leadsync/leadsync/lusha"
)

// Signal windows: the default look-back, and linkedinActivityIntent's own caps.
const (
	defaultSignalMonths  = 6
	linkedinIntentDays   = 90
	linkedinIntentMaxHit = 50
)

// signalQuery is a validated signals request.
type signalQuery struct {
	ids          []string
	types        []string // expanded: allSignals replaced by the entity's types
	explicit     bool     // types were named, so their keys appear even when empty
	start, end   time.Time
	maxPerSignal int
	categories   []string // linkedinActivityIntent intent categories
}

// readSignalQuery validates what both signals endpoints share.
func (s *Server) readSignalQuery(p *problems, ids, types []string, startDate string, maxPer int, allowed []string) signalQuery {
	p.ids("ids", ids)
	if len(types) == 0 {
		p.add("signalTypes should not be empty")
	}
	p.oneOf("signalTypes", types, allowed)
	p.optionalBetween("maxResultsPerSignal", maxPer, 1, 100)
	now := s.opts.Now().UTC()
	q := signalQuery{ids: ids, end: now, start: now.AddDate(0, -defaultSignalMonths, 0), maxPerSignal: maxPer,
		explicit: !slices.Contains(types, lusha.SignalAll)}
	if t, ok := p.date("startDate", startDate); ok {
		q.start = t
	}
	q.types = types
	if !q.explicit {
		q.types = slices.DeleteFunc(slices.Clone(allowed), func(t string) bool { return t == lusha.SignalAll })
	}
	return q
}

// events returns the entity's signals of one type in the query's window, newest first.
// Callers hold mu.
func (s *Server) events(entityType, id, kind string, q signalQuery) []lusha.SignalEvent {
	start, limit := q.start, q.maxPerSignal
	if kind == lusha.SignalLinkedinIntent {
		start = maxTime(start, q.end.AddDate(0, 0, -linkedinIntentDays))
		limit = min(cmpPositive(limit, linkedinIntentMaxHit), linkedinIntentMaxHit)
	}
	out := []lusha.SignalEvent{}
	for _, sg := range s.signals {
		if sg.EntityType != entityType || sg.EntityID != id || sg.Type != kind ||
			sg.Date.Before(start.Truncate(24*time.Hour)) || sg.Date.After(q.end) {
			continue
		}
		if kind == lusha.SignalLinkedinIntent && !intentInCategories(sg, q.categories) {
			continue
		}
		if limit > 0 && len(out) == limit {
			break
		}
		out = append(out, sg.event())
	}
	return out
}

func intentInCategories(sg Signal, categories []string) bool {
	if len(categories) == 0 {
		return true
	}
	var d struct {
		IntentTopics []lusha.LinkedinIntentTopic `json:"intentTopics"`
	}
	_ = json.Unmarshal(mustJSON(sg.Data), &d)
	return slices.ContainsFunc(d.IntentTopics, func(t lusha.LinkedinIntentTopic) bool {
		return slices.Contains(categories, t.Category)
	})
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func cmpPositive(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

func (s *Server) handleContactSignals(w http.ResponseWriter, r *http.Request) {
	var req lusha.ContactSignalsRequest
	if !s.decode(w, r, &req) {
		return
	}
	var p problems
	q := s.readSignalQuery(&p, req.IDs, req.SignalTypes, req.StartDate, req.MaxResultsPerSignal, contactSignalTypes)
	if s.reject(w, p) || s.noTables(w, req.TableID) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b := newBill(accountOf(r))
	results := []lusha.ContactSignals{}
	for _, id := range dedupe(slices.Clone(q.ids)) {
		if person, itemErr := checkPerson(s.world.byPersonID[id]); itemErr != nil || person == nil {
			continue // no item errors in this answer: unknown people are left out
		}
		res := lusha.ContactSignals{ID: id, CompanyChange: []lusha.SignalEvent{}, Promotion: []lusha.SignalEvent{}}
		if slices.Contains(q.types, lusha.SignalCompanyChange) {
			res.CompanyChange = s.events(lusha.EntityContact, id, lusha.SignalCompanyChange, q)
		}
		if slices.Contains(q.types, lusha.SignalPromotion) {
			res.Promotion = s.events(lusha.EntityContact, id, lusha.SignalPromotion, q)
		}
		b.signals(id, s.opts.Pricing.SignalContact, map[string]int{
			lusha.SignalCompanyChange: len(res.CompanyChange), lusha.SignalPromotion: len(res.Promotion)})
		results = append(results, res)
	}
	if !s.commit(w, b, r.URL.Path) {
		return
	}
	writeJSON(w, http.StatusOK, lusha.ContactSignalsResponse{Results: results, StartDate: q.start.Format(time.DateOnly),
		EndDate: q.end.Format(time.DateOnly), Billing: lusha.Billing{CreditsCharged: b.credits, ResultsReturned: len(results)}})
}

func (s *Server) handleCompanySignals(w http.ResponseWriter, r *http.Request) {
	var req lusha.CompanySignalsRequest
	if !s.decode(w, r, &req) {
		return
	}
	var p problems
	q := s.readSignalQuery(&p, req.IDs, req.SignalTypes, req.StartDate, req.MaxResultsPerSignal, companySignalTypes)
	if req.Filters != nil && req.Filters.Include != nil {
		q.categories = req.Filters.Include.IntentCategories
	}
	if s.reject(w, p) || s.noTables(w, req.TableID) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b := newBill(accountOf(r))
	results := []lusha.CompanySignals{}
	for _, id := range dedupe(slices.Clone(q.ids)) {
		c := s.world.byCompanyID[id]
		if c == nil {
			continue
		}
		res := lusha.CompanySignals{ID: id, CompanyName: c.Name, Domain: c.EmailDomain, Signals: map[string][]lusha.SignalEvent{}}
		counts := map[string]int{}
		for _, kind := range q.types {
			if ev := s.events(lusha.EntityCompany, id, kind, q); len(ev) > 0 || q.explicit {
				res.Signals[kind], counts[kind] = ev, len(ev)
			}
		}
		b.signals(id, s.opts.Pricing.SignalCompany, counts)
		results = append(results, res)
	}
	if !s.commit(w, b, r.URL.Path) {
		return
	}
	writeJSON(w, http.StatusOK, lusha.CompanySignalsResponse{Results: results, StartDate: q.start.Format(time.DateOnly),
		EndDate: q.end.Format(time.DateOnly), Billing: lusha.Billing{CreditsCharged: b.credits, ResultsReturned: len(results)}})
}

// noTables answers 404 for a tableId: the fake keeps no tables.
func (s *Server) noTables(w http.ResponseWriter, tableID string) bool {
	if tableID == "" {
		return false
	}
	s.writeError(w, nil, http.StatusNotFound, "TABLE_NOT_FOUND: Table not found")
	return true
}

func (s *Server) handleContactSignalTypes(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, lusha.SignalTypes{SignalTypes: contactSignalTypes})
}

func (s *Server) handleCompanySignalTypes(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, lusha.SignalTypes{SignalTypes: companySignalTypes})
}
