package run

import (
	"cmp"
	"context"
	"math"
	"time"

	"github.com/leadsync/leadsync/connector/react"
	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/lusha"
)

// leadsync opts every contact enrich out of Lusha's Data Waterfall (waterfallEnabled:
// false): its reveals are billed at third-party providers' rates that the account's
// price list does not give, so no budget could bound them before the call, and their
// asynchronous jobs would outlive a purchase's claim. Should an answer come with a job
// all the same, it is waited for, so that its data is cached on arrival and its
// credits are counted.
var optOutOfWaterfall = func() *bool { no := false; return &no }()

// maxJobWait bounds the wait for a job, within the purchase's own context.
const maxJobWait = 2 * time.Minute

// errJobUnfinished is what records meet whose data points a waterfall job was still
// looking for when leadsync stopped waiting: they wait for the next run.
var errJobUnfinished = &crm.Error{Service: "lusha", Op: "enrich job", Class: crm.ClassUnavailable,
	Message: "a Data Waterfall job did not finish; the next run asks again"}

// settle waits for the answer's waterfall job, if any, and returns the job's credits
// and why some data points may be missing unpaid: the credits ran out (a credits
// error), or the job did not finish (errJobUnfinished); nil when neither.
func (e *enricher) settle(ctx context.Context, resp *lusha.ContactsEnrichResponse) (jobCredits int, unsettled error) {
	if resp.Job != nil {
		var done bool
		if jobCredits, done = e.awaitJob(ctx, resp); !done {
			unsettled = errJobUnfinished
		}
	}
	return jobCredits, cmp.Or(resp.CreditsError(), unsettled)
}

// awaitJob polls an enrich answer's waterfall job as it asks (polls are free), merges
// the contacts it found into the answer's results, and returns its credits and whether
// it completed. A job that fails, expires, is gone or outlasts the wait leaves the
// data points it worked on unknown: the caller must not cache them as revealed.
func (e *enricher) awaitJob(ctx context.Context, resp *lusha.ContactsEnrichResponse) (credits int, done bool) {
	e.rn.log.Warn("Lusha answered with a Data Waterfall job although the call opted out; waiting for it",
		"job", resp.Job.ID)
	ctx, cancel := context.WithTimeout(ctx, maxJobWait)
	defer cancel()
	wait := resp.Job.RetryAfter
	for {
		if react.Sleep(ctx, seconds(wait)) != nil {
			return 0, false
		}
		j, err := e.rn.Lusha.ContactsJob(ctx, resp.Job.ID)
		if err != nil {
			return 0, false
		}
		if j.Status == lusha.JobProcessing {
			wait = j.RetryAfter
			continue
		}
		if j.Status == lusha.JobComplete {
			mergeJob(resp, j)
		}
		// A job's credits are the providers' rates: whole credits, rounded up.
		return int(math.Ceil(j.CreditsCharged)), j.Status == lusha.JobComplete
	}
}

func seconds(s float64) time.Duration {
	if s <= 0 || math.IsNaN(s) {
		return 0
	}
	return time.Duration(min(s, maxJobWait.Seconds()) * float64(time.Second))
}

// mergeJob adds what a completed job found to the results of the same contacts.
func mergeJob(resp *lusha.ContactsEnrichResponse, j *lusha.ContactsJob) {
	for _, found := range j.Contacts {
		for i := range resp.Results {
			res := &resp.Results[i]
			if res.ID != found.ID || res.Error != nil {
				continue
			}
			if found.Emails != nil {
				res.Emails = append(res.Emails[:len(res.Emails):len(res.Emails)], found.Emails...)
			}
			if found.Phones != nil {
				res.Phones = append(res.Phones[:len(res.Phones):len(res.Phones)], found.Phones...)
			}
			res.MissingDataPoints = append(res.MissingDataPoints, found.MissingDataPoints...)
		}
	}
}
