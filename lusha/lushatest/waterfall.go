package lushatest

import (
	"hash/fnv"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/leadsync/leadsync/lusha"
)

// Waterfall is an account's Data Waterfall (reference §5.2 and its "newer docs",
// §5.2a). When it is on, a contact enrich that asks for phones of people Lusha has
// none for, and does not opt out (waterfallEnabled: false), answers with a job; a
// provider finds a phone for each of them, billed at the provider's rate when the job
// completes (§4: "Waterfall reveals are billed at the third-party provider's own
// rate"). INFERENCE: which people a provider knows, and when a job bills, are not
// documented; here it knows every such person and bills on completion.
type Waterfall struct {
	Enabled bool
	// Credits is the provider's price of a phone it finds; default 3.
	Credits int
	// Polls is how many polls answer "processing" before the job completes; default 1.
	Polls int
	// RetryAfter is the wait a processing job asks for; default 2 s.
	RetryAfter time.Duration
	// TTL is how long a job can be polled; then it answers 404. Default 1 h.
	TTL time.Duration
}

func (wf Waterfall) withDefaults() Waterfall {
	if wf.Credits == 0 {
		wf.Credits = 3
	}
	if wf.Polls == 0 {
		wf.Polls = 1
	}
	if wf.RetryAfter == 0 {
		wf.RetryAfter = 2 * time.Second
	}
	if wf.TTL == 0 {
		wf.TTL = time.Hour
	}
	return wf
}

// jobsPath is the endpoint of the charges jobs make, in the ledger.
const jobsPath = "/v3/contacts/jobs"

// waterfallJob is one job of an account: the people its provider is looking up.
type waterfallJob struct {
	id      string
	acct    *account
	people  []*Person
	polls   int // processing answers left
	expires time.Time
	result  *lusha.ContactsJob // once complete
}

// SetWaterfall changes the Data Waterfall of the default account.
func (s *Server) SetWaterfall(wf Waterfall) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.accounts[s.opts.APIKey].waterfall = wf.withDefaults()
}

// startWaterfall hands the phones Lusha lacks to a job, when the account's waterfall
// runs for this call: their results carry no phones (not "none found": not yet). It
// returns the job to answer with, or nil. Callers hold s.mu.
func (s *Server) startWaterfall(acct *account, req lusha.ContactsEnrichRequest, reveal []string, results []lusha.EnrichedContact) *lusha.EnrichJob {
	wf := acct.waterfall
	optedOut := req.WaterfallEnabled != nil && !*req.WaterfallEnabled
	if !wf.Enabled || optedOut || !slices.Contains(reveal, lusha.RevealPhones) {
		return nil
	}
	j := &waterfallJob{acct: acct, polls: wf.Polls, expires: s.opts.Now().Add(wf.TTL)}
	for i := range results {
		res := &results[i]
		p := s.world.byPersonID[res.ID]
		if res.Error != nil || p == nil || len(p.Phones) > 0 {
			continue
		}
		j.people = append(j.people, p)
		res.Phones = nil
		res.MissingDataPoints = slices.DeleteFunc(res.MissingDataPoints, func(m lusha.MissingDataPoint) bool {
			return m.Type == lusha.DataPointPhone
		})
		if len(res.MissingDataPoints) == 0 {
			res.MissingDataPoints = nil // none: the field is left out
		}
	}
	if len(j.people) == 0 {
		return nil
	}
	j.id = newRequestID()
	s.jobs[j.id] = j
	return &lusha.EnrichJob{ID: j.id, Status: lusha.JobProcessing, ExpiresAt: j.expires.UTC().Format("2006-01-02T15:04:05.000Z"),
		RetryAfter: wf.RetryAfter.Seconds()}
}

// handleContactsJob answers a poll: processing for the configured polls, then the
// provider's phones, billed once. An unknown job, another account's, or an expired one
// is a 404 (§5.2a: indistinguishable). Polling is free.
func (s *Server) handleContactsJob(w http.ResponseWriter, r *http.Request) {
	acct := accountOf(r)
	now := s.opts.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	j := s.jobs[r.PathValue("jobId")]
	if j == nil || j.acct != acct || !now.Before(j.expires) {
		s.writeError(w, nil, http.StatusNotFound, "Job not found")
		return
	}
	if j.polls > 0 {
		j.polls--
		writeJSON(w, http.StatusOK, lusha.ContactsJob{JobID: j.id, Status: lusha.JobProcessing,
			RetryAfter: acct.waterfall.RetryAfter.Seconds(), Covers: mustJSON([]string{lusha.RevealPhones})})
		return
	}
	if j.result == nil {
		j.result = s.finishJob(j)
	}
	writeJSON(w, http.StatusOK, j.result)
}

// finishJob bills what the provider found while the credits last; a phone they do not
// reach is marked BILLING_FAILED, as in a synchronous enrich.
func (s *Server) finishJob(j *waterfallJob) *lusha.ContactsJob {
	b := newBill(j.acct)
	b.partial = true
	price := j.acct.waterfall.Credits
	out := &lusha.ContactsJob{JobID: j.id, Status: lusha.JobComplete}
	for _, p := range j.people {
		c := lusha.EnrichedContact{ID: p.ID}
		if unbilled := b.reveal("contact", p.ID, []string{lusha.RevealPhones}, func(string) int { return price }); len(unbilled) > 0 {
			c.MissingDataPoints = []lusha.MissingDataPoint{missing(lusha.RevealPhones, lusha.MissingBillingFailed)}
		} else {
			c.Phones = []lusha.Phone{providerPhone(p, price)}
		}
		out.Contacts = append(out.Contacts, c)
	}
	s.charge(b, jobsPath)
	out.CreditsCharged = float64(b.credits)
	return out
}

// providerPhone is the number a provider knows for p: the same on every call.
func providerPhone(p *Person, price int) lusha.Phone {
	h := fnv.New64a()
	_, _ = h.Write([]byte(p.ID))
	r := rand.New(rand.NewPCG(h.Sum64(), 0x3a7e7fa11))
	return lusha.Phone{Number: localNumber(r, p.Location.dialPrefix()), Type: "mobile", UpdateDate: p.UpdateDate,
		Waterfall: lusha.Waterfall{DataSource: "waterfall-provider-" + strconv.Itoa(int(h.Sum64()%3)+1), Credits: float64(price)}}
}
