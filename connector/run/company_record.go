package run

import (
	"context"
	"fmt"
	"sync"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/mapping"
	"github.com/leadsync/leadsync/state"
)

// CompanyRecord is a people pipeline's company_record: each person's company answer
// also goes to the company record the person belongs to (HubSpot's primary company,
// Salesforce's Contact.AccountId), through a company mapping and under its policies,
// once per company record per run however many of its people come.
type CompanyRecord struct {
	Mapping *mapping.Mapping
	// CreateMissing creates the company of a person who belongs to none (after
	// looking for one of the same domain) and links the person to it.
	CreateMissing bool
}

// CompanyPipeline names where a people pipeline keeps its company records' state:
// record states, write-ahead rows and the lease that fences them. They are kept apart
// from the people's because a company's id may be a contact's too (HubSpot).
func CompanyPipeline(people string) string { return people + "/companies" }

// CompanySummary is what a run did to company records.
type CompanySummary struct {
	Object string `json:"object"`
	state.RunCounts
	Created int `json:"companies_created"`
	Linked  int `json:"people_linked"`
}

// companyRun is the company-record stage of a people run. It is a run of its own over
// the company object (schema check, write-ahead rows, read-back of unknown writes,
// retry queue, record states, all under CompanyPipeline) that the people pages feed.
type companyRun struct {
	people *run
	sub    *run
	crm    crm.Companies
	create bool
	// mu guards done and created, which both goroutines of a run use.
	mu sync.Mutex
	// done are the company records this run took up (or created): each is written
	// once a run.
	done map[string]bool
	// created are the companies this run created, by domain.
	created map[string]string
	// nCreated and nLink count creations and links; the committer owns them.
	nCreated, nLink int
}

// companiesOf finds the company records an adapter offers, directly or behind an
// account's breaker.
func companiesOf(c CRM) (crm.Companies, bool) {
	if cs, ok := c.(crm.Companies); ok {
		return cs, true
	}
	if a, ok := c.(interface{ Companies() (crm.Companies, bool) }); ok {
		return a.Companies()
	}
	return nil, false
}

// companyStart sets up the company-record stage: its lease, the company object's live
// fields, the read-back of company writes whose outcome was unknown and the company
// records waiting in its retry queue. A pipeline without company_record skips it.
func (rn *run) companyStart(ctx context.Context) (error, error) {
	cr := rn.p.Companies
	if cr == nil {
		return nil, nil
	}
	cs, ok := companiesOf(rn.p.CRM)
	if !ok {
		return nil, fmt.Errorf("pipeline %s: company_record: the CRM adapter offers no company records", rn.p.Name)
	}
	runner := *rn.Runner
	runner.Progress = nil // the people run reports progress
	object := cs.CompanyObject()
	sub := &run{Runner: &runner, opts: rn.opts, id: rn.id, started: rn.started, accountLeft: -1,
		p: &Pipeline{Name: CompanyPipeline(rn.p.Name), Object: object, Account: rn.p.Account, CRM: rn.p.CRM,
			Mapping: cr.Mapping, CacheTTL: rn.p.CacheTTL},
		log: rn.log.With("company_object", object)}
	rn.co = &companyRun{people: rn, sub: sub, crm: cs, create: cr.CreateMissing, done: map[string]bool{},
		created: map[string]string{}}
	if !rn.opts.DryRun {
		held, err := rn.holdLease(ctx, sub.p.Name, rn.leaseOwner())
		if err != nil {
			return nil, err
		}
		sub.lease = held
	}
	for _, step := range []func(context.Context) (error, error){sub.loadSchema, sub.recoverWrites, rn.co.retryDue} {
		if stop, err := step(ctx); stop != nil || err != nil {
			return stop, err
		}
	}
	return nil, nil
}

// companyEnd lets the company records' lease go.
func (rn *run) companyEnd() {
	if rn.co != nil && rn.co.sub.lease != nil {
		rn.co.sub.lease.release()
	}
}

// companySummary adds the company records' outcome to a run's summary: their counts,
// and a dry run's plan for them, whose lines name the company object.
func (rn *run) companySummary(sum *Summary) {
	co := rn.co
	if co == nil {
		return
	}
	sub := co.sub
	sum.Companies = &CompanySummary{Object: sub.p.Object, RunCounts: sub.counts, Created: co.nCreated, Linked: co.nLink}
	for _, c := range sub.dry.changes {
		c.Object = sub.p.Object
		if len(sum.Changes) < maxChanges {
			sum.Changes = append(sum.Changes, c)
		} else {
			sum.ChangesCut++
		}
	}
	sum.ChangesCut += sub.dry.cut
	for _, e := range sub.dry.mappingErrs {
		sum.MappingErrors = append(sum.MappingErrors, e.Error())
	}
}
