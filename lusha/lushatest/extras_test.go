package lushatest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/leadsync/leadsync/crm/upstream"
	"github.com/leadsync/leadsync/lusha"
)

func TestProspectingPageSizeAndPages(t *testing.T) {
	w := NewWorld(8, 600)
	fake := NewTestServer(t, w, Options{Limits: Limits{PerSecond: 10_000}})
	c := fake.Client()
	all := lusha.ProspectingContactsRequest{Pagination: lusha.PageRequest{Size: 100},
		Filters: lusha.ProspectingContactFilters{Contacts: &lusha.IncludeExcludeContacts{
			Include: &lusha.ContactCriteria{ExistingDataPoints: []string{"work_email"}}}}}
	wantTotal := 0
	for _, p := range w.People {
		if p.Known && !p.Restricted {
			wantTotal++
		}
	}
	before := fake.CreditsUsed()
	pages, seen := 0, map[string]bool{}
	for page, err := range c.ProspectContactsPages(t.Context(), all) {
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if page.Pagination.Size != lusha.ProspectingMaxPageSize || page.Pagination.Total != int64(wantTotal) {
			t.Errorf("page %d pagination = %+v", pages, page.Pagination)
		}
		if want := (len(page.Results) + 24) / 25; page.Billing.CreditsCharged != want {
			t.Errorf("page of %d results cost %d, want %d", len(page.Results), page.Billing.CreditsCharged, want)
		}
		for _, r := range page.Results {
			if seen[r.ID] {
				t.Errorf("%s on two pages", r.ID)
			}
			seen[r.ID] = true
		}
	}
	if len(seen) != wantTotal || pages != (wantTotal+49)/50 {
		t.Errorf("%d people over %d pages, want %d over %d", len(seen), pages, wantTotal, (wantTotal+49)/50)
	}
	if spent := fake.CreditsUsed() - before; spent == 0 {
		t.Error("prospecting was free")
	}
	tests := []struct {
		name     string
		criteria lusha.ContactCriteria
		ok       func(p *Person) bool
	}{
		{"department", lusha.ContactCriteria{Departments: []string{"Finance"}},
			func(p *Person) bool { return p.Departments[0] == "Finance" }},
		{"seniority and country", lusha.ContactCriteria{SeniorityIDs: []int{6}, Countries: []string{"DE"}},
			func(p *Person) bool { return p.Seniority == "Director" && p.Location.CountryIso2 == "DE" }},
		{"mobile phone", lusha.ContactCriteria{ExistingDataPoints: []string{"mobile_phone"}},
			func(p *Person) bool { return dataPointsMatch(p, []string{"mobile_phone"}, "") }},
		{"skills are unknown to the world", lusha.ContactCriteria{Skills: []string{"go"}}, func(*Person) bool { return false }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := 0
			for i := range w.People {
				if p := &w.People[i]; p.Known && !p.Restricted && tt.ok(p) {
					want++
				}
			}
			out, _, err := c.ProspectContacts(t.Context(), lusha.ProspectingContactsRequest{Pagination: lusha.PageRequest{Size: 10},
				Filters: lusha.ProspectingContactFilters{Contacts: &lusha.IncludeExcludeContacts{Include: &tt.criteria}}})
			if err != nil || out.Pagination.Total != int64(want) {
				t.Errorf("total = %v, %v; want %d", out, err, want)
			}
		})
	}
}

func TestLookalikeSessions(t *testing.T) {
	w := NewWorld(8, 300)
	var mu sync.Mutex
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	fake := NewTestServer(t, w, Options{Now: clock})
	c := fake.Client()
	var ids []string
	for _, p := range w.People {
		if p.Known && !p.Restricted && len(ids) < 5 {
			ids = append(ids, p.ID)
		}
	}
	req := lusha.ContactLookalikesRequest{Seeds: lusha.ContactIdentifiers{IDs: ids}, Limit: 20}
	seen := map[string]bool{}
	calls, credits := 0, 0
	for page, err := range c.ContactLookalikesPages(t.Context(), req) {
		if err != nil {
			t.Fatal(err)
		}
		calls++
		credits += page.Billing.CreditsCharged
		for _, r := range page.Results {
			if seen[r.ID] || contains(ids, r.ID) {
				t.Errorf("%s returned twice or is a seed", r.ID)
			}
			seen[r.ID] = true
		}
		if calls == 1 {
			req.DedupeSessionID = *page.DedupeSessionID
		}
	}
	if calls < 2 || credits != len(seen) {
		t.Errorf("%d calls, %d credits for %d people", calls, credits, len(seen))
	}

	mu.Lock()
	now = now.Add(31 * 24 * time.Hour)
	mu.Unlock()
	_, _, err := c.ContactLookalikes(t.Context(), req)
	if ce, ok := errors.AsType[*upstream.Error](err); !ok || ce.Status != 410 || ce.Code != lusha.CodeDedupeSessionInvalid || ce.Class != upstream.ClassInvalid {
		t.Errorf("expired session: %v", err)
	}
	req.Seeds.IDs = ids[:4]
	if _, resp, err := c.ContactLookalikes(t.Context(), req); err == nil || resp != nil {
		t.Errorf("4 seeds: %v %v, want refused before sending", resp, err)
	}
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func TestSignalsWindowLimitsAndEmit(t *testing.T) {
	w := NewWorld(8, 300)
	now := baseDate.AddDate(0, 0, signalSpan+1)
	fake := NewTestServer(t, w, Options{Now: func() time.Time { return now }})
	c := fake.Client()
	var person *Person
	for i := range w.People {
		if p := &w.People[i]; p.Known && !p.Restricted && p.Previous != nil {
			person = p
			break
		}
	}
	fake.EmitSignal(Signal{EntityType: lusha.EntityContact, EntityID: person.ID, Type: lusha.SignalPromotion,
		Date: now.AddDate(0, 0, -1), Data: contactSignalData(person, now.AddDate(0, 0, -1))})
	fake.EmitSignal(Signal{EntityType: lusha.EntityContact, EntityID: person.ID, Type: lusha.SignalPromotion,
		Date: now.AddDate(-2, 0, 0), Data: contactSignalData(person, now.AddDate(-2, 0, 0))})
	tests := []struct {
		name      string
		start     string
		max       int
		wantPromo int
	}{
		{"default six months", "", 0, countSignals(fake, person.ID, now.AddDate(0, -6, 0))},
		{"start date two years back", now.AddDate(-3, 0, 0).Format(time.DateOnly), 0, countSignals(fake, person.ID, now.AddDate(-3, 0, 0))},
		{"one per signal", now.AddDate(-3, 0, 0).Format(time.DateOnly), 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, err := c.ContactSignals(t.Context(), lusha.ContactSignalsRequest{IDs: []string{person.ID, "404"},
				SignalTypes: []string{lusha.SignalPromotion}, StartDate: tt.start, MaxResultsPerSignal: tt.max})
			if err != nil || len(out.Results) != 1 {
				t.Fatalf("%+v, %v", out, err)
			}
			if got := len(out.Results[0].Promotion); got != tt.wantPromo || out.Billing.CreditsCharged != got {
				t.Errorf("%d promotions for %d credits, want %d", got, out.Billing.CreditsCharged, tt.wantPromo)
			}
			if len(out.Results[0].CompanyChange) != 0 {
				t.Error("companyChange returned though not asked")
			}
			if got := out.Results[0].Promotion[0].Date(); got != now.AddDate(0, 0, -1).Format(time.DateOnly) {
				t.Errorf("newest first: got %s", got)
			}
		})
	}
}

// countSignals counts the person's promotions dated on or after since.
func countSignals(s *Server, id string, since time.Time) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, sg := range s.signals {
		if sg.EntityID == id && sg.Type == lusha.SignalPromotion && !sg.Date.Before(since.Truncate(24*time.Hour)) {
			n++
		}
	}
	return n
}
