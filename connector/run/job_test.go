package run

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/lusha"
	"github.com/leadsync/leadsync/state"
)

// jobLusha is a Lusha account that answers every enrich with a waterfall job, as an
// account that ignores the opt-out would, and polls of it with polls in turn.
type jobLusha struct {
	Lusha
	mu     sync.Mutex
	enrich []lusha.ContactsEnrichRequest
	answer lusha.ContactsEnrichResponse
	polls  []func() (*lusha.ContactsJob, error)
	polled int
}

func (l *jobLusha) Pricing() lusha.Pricing { return nil }

func (l *jobLusha) Reserve(_ context.Context, _, want int, _ time.Time) (int, func(), error) {
	return want, func() {}, nil
}

func (l *jobLusha) EnrichContacts(_ context.Context, req lusha.ContactsEnrichRequest) (*lusha.ContactsEnrichResponse, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.enrich = append(l.enrich, req)
	resp := l.answer
	resp.Results = slices.Clone(resp.Results)
	return &resp, nil
}

func (l *jobLusha) ContactsJob(_ context.Context, id string) (*lusha.ContactsJob, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	next := l.polls[min(l.polled, len(l.polls)-1)]
	l.polled++
	return next()
}

// savedStore keeps what the run persists.
type savedStore struct {
	Store
	spend []state.Spend
	saved []state.Enrichment
}

func (s *savedStore) SaveEnrichments(_ context.Context, spend state.Spend, es []state.Enrichment) error {
	s.spend = append(s.spend, spend)
	s.saved = append(s.saved, es...)
	return nil
}

func processing() (*lusha.ContactsJob, error) {
	return &lusha.ContactsJob{JobID: "j1", Status: lusha.JobProcessing}, nil
}

// A Data Waterfall job (reference §5.2, §5.2a) is not what leadsync asks for: every
// enrich opts out. Should one come all the same, it is polled to its end, its credits
// (the providers' rates) are counted in the call's spend, and its data is cached on
// arrival; a job that expires, fails or is gone leaves its data points not revealed
// and its record waiting for the next run.
func TestAWaterfallJobIsAwaitedAndCounted(t *testing.T) {
	phone := lusha.Phone{Number: "+14155550100", Type: "mobile",
		Waterfall: lusha.Waterfall{DataSource: "provider", Credits: 3}}
	complete := func() (*lusha.ContactsJob, error) {
		return &lusha.ContactsJob{JobID: "j1", Status: lusha.JobComplete, CreditsCharged: 3,
			Contacts: []lusha.EnrichedContact{{ID: "L1", Phones: []lusha.Phone{phone}}}}, nil
	}
	expired := func() (*lusha.ContactsJob, error) {
		return &lusha.ContactsJob{JobID: "j1", Status: lusha.JobExpired}, nil
	}
	gone := func() (*lusha.ContactsJob, error) {
		return nil, &crm.Error{Service: "lusha", Op: "contacts enrich job", Class: crm.ClassInvalid, Status: 404}
	}
	for _, tc := range []struct {
		name        string
		polls       []func() (*lusha.ContactsJob, error)
		wantCredits int
		revealed    bool
	}{
		{"complete", []func() (*lusha.ContactsJob, error){processing, processing, complete}, 3, true},
		{"expired", []func() (*lusha.ContactsJob, error){processing, expired}, 0, false},
		{"gone", []func() (*lusha.ContactsJob, error){gone}, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := &jobLusha{polls: tc.polls, answer: lusha.ContactsEnrichResponse{
				Results: []lusha.EnrichedContact{{ID: "L1", FirstName: "Ada"}},
				Job:     &lusha.EnrichJob{ID: "j1", Status: lusha.JobProcessing}}}
			store := &savedStore{}
			rn := newRun(&Runner{Lusha: l, Store: store, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))},
				&Pipeline{Name: "p", CacheTTL: time.Hour}, Options{}, time.Now())
			e := &enricher{rn: rn, prices: rn.prices()}
			r := newRecord(crm.Record{ID: "c1"}, state.RecordState{}, false)
			r.set(Planned, crm.ClassNone, "")
			r.key, r.lushaID, r.reveal = "k1", "L1", []string{lusha.RevealPhones}
			r.contact = map[string]any{"id": "L1", "has": []any{"emails", "phones"}}

			if err := e.revealChunk(t.Context(), []*Record{r}, []string{lusha.RevealPhones}); err != nil {
				t.Fatal(err)
			}
			if w := l.enrich[0].WaterfallEnabled; w == nil || *w {
				t.Errorf("the enrich did not opt out of the waterfall: %v", w)
			}
			if len(store.spend) != 1 || store.spend[0].Credits != tc.wantCredits {
				t.Errorf("spend %+v, want the job's %d credits", store.spend, tc.wantCredits)
			}
			if len(store.saved) != 1 || slices.Contains(store.saved[0].Revealed, lusha.RevealPhones) != tc.revealed {
				t.Fatalf("cached %+v; phones revealed should be %v", store.saved, tc.revealed)
			}
			phones, _ := r.contact["phones"].([]any)
			if tc.revealed {
				if r.status != Planned || e.stop != nil || len(phones) != 1 {
					t.Errorf("record %s (%v), phones %v; want the job's phone, ready to map", r.status, e.stop, phones)
				}
				return
			}
			if r.status != Deferred || e.stop != errJobUnfinished {
				t.Errorf("record %s, stop %v; want deferred for the next run", r.status, e.stop)
			}
		})
	}
}
