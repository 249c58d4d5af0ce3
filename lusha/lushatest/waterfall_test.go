package lushatest

import (
	"testing"
	"time"

	"github.com/leadsync/leadsync/crm/upstream"
	"github.com/leadsync/leadsync/lusha"
)

// Data Waterfall (reference §5.2 "newer docs", §5.2a; §4 and §8: provider rates): on
// an account that has it, an enrich answers the phones Lusha lacks with a job; polling
// it (free) answers processing with retryAfter, then the provider's phones, billed at
// the provider's rate, once. waterfallEnabled: false opts a call out; an account
// without the waterfall never answers a job; a job is its account's alone, until it
// expires (404).
func TestWaterfallJobs(t *testing.T) {
	w := NewWorld(5, 400)
	clk := &clock{now: time.Date(2026, 5, 4, 12, 0, 0, 0, time.UTC)}
	fake := NewServer(w, Options{Now: clk.Now, Waterfall: Waterfall{Enabled: true, Credits: 4, Polls: 2,
		RetryAfter: 10 * time.Millisecond, TTL: time.Hour}})
	conf, srv := newConformance(t, fake)
	c := lusha.NewClient(fake.APIKey(), lusha.WithBaseURL(srv.URL))
	ctx := t.Context()
	lacking := pick(t, w, "known person without phones", knownWithoutPhones)
	having := pick(t, w, "known person with phones", knownWithPhones)
	ids := []string{lacking.ID, having.ID}

	no := false
	opted, _, err := c.EnrichContacts(ctx, lusha.ContactsEnrichRequest{IDs: ids, WaterfallEnabled: &no})
	if err != nil || opted.Job != nil || opted.Results[0].Phones == nil {
		t.Fatalf("opted-out enrich = %+v, %v; want no job, phones revealed as none", opted, err)
	}

	er, _, err := c.EnrichContacts(ctx, lusha.ContactsEnrichRequest{IDs: ids, Reveal: []string{lusha.RevealPhones}})
	if err != nil {
		t.Fatal(err)
	}
	if er.Job == nil || er.Job.Status != lusha.JobProcessing || er.Job.RetryAfter != 0.01 || er.Job.ExpiresAt == "" {
		t.Fatalf("job = %+v, want a processing job", er.Job)
	}
	if er.Results[0].Phones != nil || er.Results[0].MissingDataPoints != nil || len(er.Results[1].Phones) == 0 {
		t.Errorf("sync results = %+v; want the lacking person's phones pending, the other's revealed", er.Results)
	}
	used := fake.CreditsUsed()
	for range 2 {
		j, _, err := c.ContactsJob(ctx, er.Job.ID)
		if err != nil || j.Status != lusha.JobProcessing || j.RetryAfter != 0.01 || len(j.Contacts) != 0 {
			t.Fatalf("poll = %+v, %v; want processing", j, err)
		}
	}
	done, _, err := c.ContactsJob(ctx, er.Job.ID)
	if err != nil || done.Status != lusha.JobComplete || done.CreditsCharged != 4 || len(done.Contacts) != 1 {
		t.Fatalf("last poll = %+v, %v; want complete, 4 credits", done, err)
	}
	ph := done.Contacts[0].Phones
	if done.Contacts[0].ID != lacking.ID || len(ph) != 1 || ph[0].DataSource == "" || ph[0].Credits != 4 {
		t.Errorf("job contacts = %+v", done.Contacts)
	}
	if got := fake.CreditsUsed() - used; got != 4 {
		t.Errorf("the job charged %d credits, want the provider's 4", got)
	}
	again, _, err := c.ContactsJob(ctx, er.Job.ID)
	if err != nil || again.CreditsCharged != 4 || fake.CreditsUsed()-used != 4 {
		t.Errorf("a poll after completion = %+v, %v; charged %d in all", again, err, fake.CreditsUsed()-used)
	}

	fake.AddAccount("other", "other-key", 100)
	other := lusha.NewClient("other-key", lusha.WithBaseURL(srv.URL))
	if _, _, err := other.ContactsJob(ctx, er.Job.ID); upstream.ClassOf(err) != upstream.ClassInvalid {
		t.Errorf("another account's poll: %v, want 404", err)
	}
	if plain, _, _ := other.EnrichContacts(ctx, lusha.ContactsEnrichRequest{IDs: ids}); plain == nil || plain.Job != nil {
		t.Errorf("an account without the waterfall answered %+v", plain)
	}
	clk.Advance(time.Hour)
	if _, _, err := c.ContactsJob(ctx, er.Job.ID); upstream.ClassOf(err) != upstream.ClassInvalid {
		t.Errorf("an expired job: %v, want 404", err)
	}
	for _, p := range conf.problems {
		t.Error(p)
	}
	for _, want := range []string{"GET /v3/contacts/jobs/" + er.Job.ID + " 200", "GET /v3/contacts/jobs/" + er.Job.ID + " 404"} {
		if !conf.seen[want] {
			t.Errorf("never answered %q", want)
		}
	}
}
