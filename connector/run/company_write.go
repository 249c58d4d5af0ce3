package run

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"time"

	"github.com/leadsync/leadsync/connector/react"
	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/upstream"
	"github.com/leadsync/leadsync/mapping"
	"github.com/leadsync/leadsync/state"
)

// handlePage commits a page, then writes its people's company records.
func (c *committer) handlePage(ctx context.Context, b *batch) (stop, err error) {
	if stop, err = c.handle(ctx, b); err != nil {
		return stop, err
	}
	coStop, err := c.rn.companyCommit(ctx, b)
	return firstErr(stop, coStop), err
}

// companyCommit writes a page's company records after its people were committed:
// links and creations first, then the patches, through the company run's writer and
// committer (write-ahead rows under its own lease, record states, ledger rows with the
// company object). A company that fails is parked or waits; its people never do.
func (rn *run) companyCommit(ctx context.Context, b *batch) (error, error) {
	co, cb := rn.co, b.companies
	if co == nil || cb == nil {
		return nil, nil
	}
	var stop error
	if rn.opts.DryRun {
		co.nCreated += len(cb.creations)
	} else {
		var err error
		if stop, err = co.linkAndCreate(ctx, cb); err != nil {
			return nil, err
		}
	}
	if len(cb.recs) == 0 {
		return stop, nil
	}
	subStop, err := co.sub.committer("").handle(ctx, &batch{recs: cb.recs})
	return firstErr(stop, subStop), err
}

// linkAndCreate links people to the companies found by their domain and creates the
// companies no one has yet; it returns the reason to stop (the CRM's outage or quota).
func (co *companyRun) linkAndCreate(ctx context.Context, cb *companyBatch) (error, error) {
	for _, id := range slices.Sorted(maps.Keys(cb.links)) {
		if err := co.link(ctx, id, cb.links[id]); err != nil {
			if stop := co.failed("link people to company "+id, err); stop != nil {
				return stop, nil
			}
		}
	}
	for _, c := range cb.creations {
		if c.rec.status != Enriched && c.rec.status != Kept {
			continue // no company answer yet: the company is made when one comes
		}
		stop, err := co.createOnce(ctx, c)
		if err != nil || stop != nil {
			return stop, err
		}
	}
	return nil, nil
}

// link links people to an existing company (an idempotent call, so retried).
func (co *companyRun) link(ctx context.Context, companyID string, people []string) error {
	rn := co.people
	_, err := react.Do(ctx, rn.Retry, func() (struct{}, error) {
		err := co.crm.LinkCompany(ctx, rn.p.Object, companyID, people)
		rn.Metrics.CallFinished(rn.p.Account, string(crm.ClassOf(err)))
		return struct{}{}, err
	})
	if err == nil {
		co.nLink += len(people)
	}
	return err
}

// failed counts a company call that failed and logs it; it returns the error when
// the reaction table says it stops every record (an outage, a quota, credentials).
func (co *companyRun) failed(what string, err error) error {
	co.sub.counts.RecordsFailed++
	co.people.log.Warn("company record: "+what+" failed", "class", crm.ClassOf(err), "err", err)
	if react.Of(err).Record == react.Defer {
		return err
	}
	return nil
}

// domainKey is the claim and store key of a company domain in a CRM account: whoever
// holds its claim is the one that may create the company.
func domainKey(account, domain string) string { return "company-domain:" + account + ":" + domain }

// createOnce creates the company of c.domain unless it exists, and links c's people
// to it. The domain is claimed across pipelines and processes (the Lusha account's
// single flight, in the store); the claim's winner looks again, creates, and records
// the new company under the domain's key in the same transaction that ends the claim,
// so that a waiter (or a later run, before the CRM's search shows it) links to it.
func (co *companyRun) createOnce(ctx context.Context, c *creation) (error, error) {
	if id := co.createdID(c.domain); id != "" {
		return co.failedStop("link people to company "+id, co.link(ctx, id, c.people)), nil
	}
	rn := co.people
	key := domainKey(rn.p.Account, c.domain)
	for round := 0; round < 2; round++ {
		claim, err := rn.Lusha.Claim(ctx, []string{key})
		if err != nil {
			return nil, err
		}
		if len(claim.Mine()) > 0 {
			stop, err := co.createClaimed(ctx, key, c)
			claim.Release()
			return stop, err
		}
		waitCtx, cancel := context.WithTimeout(ctx, maxWaitForOthers)
		err = rn.Lusha.Wait(waitCtx, []string{key})
		cancel()
		if err != nil {
			break
		}
		id, err := co.existing(ctx, key, c.domain)
		if err != nil {
			return co.failedStop("look up company "+c.domain, err), nil
		}
		if id != "" {
			return co.failedStop("link people to company "+id, co.link(ctx, id, c.people)), nil
		}
		// Its creator gave up: claim again.
	}
	co.sub.counts.RecordsFailed++
	co.people.log.Warn("company record: another pipeline or process was creating this company and gave no answer; its people are linked when they change again",
		"domain", c.domain)
	return nil, nil
}

func (co *companyRun) failedStop(what string, err error) error {
	if err == nil {
		return nil
	}
	return co.failed(what, err)
}

func (co *companyRun) createdID(domain string) string {
	co.mu.Lock()
	defer co.mu.Unlock()
	return co.created[domain]
}

// existing finds the company of a domain: one created under its key (by any run),
// else one the CRM finds by domain.
func (co *companyRun) existing(ctx context.Context, key, domain string) (string, error) {
	sub := co.sub
	known, err := sub.Store.Enrichments(ctx, []string{key}, sub.now())
	if err != nil {
		return "", err
	}
	if en := known[key]; en != nil && en.Outcome == state.OutcomeMatched {
		var v struct {
			CRMID string `json:"crm_id"`
		}
		if json.Unmarshal(en.Answer, &v) == nil && v.CRMID != "" {
			return v.CRMID, nil
		}
	}
	found, err := co.byDomain(ctx, []string{domain})
	if err != nil {
		return "", err
	}
	return found[domain].ID, nil
}

// createClaimed creates the company while holding its domain's claim, after looking
// again: another run may have created it since the page was planned.
func (co *companyRun) createClaimed(ctx context.Context, key string, c *creation) (error, error) {
	id, err := co.existing(ctx, key, c.domain)
	if err != nil {
		return co.failedStop("look up company "+c.domain, err), nil
	}
	if id != "" {
		return co.failedStop("link people to company "+id, co.link(ctx, id, c.people)), nil
	}
	rn := co.people
	fields := co.creationFields(c)
	policy := rn.Retry
	policy.Final = upstream.OutcomeUnknown // never sent twice: that could make a duplicate
	id, err = react.Do(ctx, policy, func() (string, error) {
		id, err := co.crm.CreateCompany(ctx, rn.p.Object, fields, c.people)
		rn.Metrics.CallFinished(rn.p.Account, string(crm.ClassOf(err)))
		return id, err
	})
	if err != nil {
		return co.failed("create company "+c.domain, err), nil
	}
	co.mu.Lock()
	co.created[c.domain], co.done[id] = id, true
	co.mu.Unlock()
	co.nCreated++
	co.nLink += len(c.people)
	return co.recordCreation(ctx, key, id, c)
}

// creationFields are the new company's fields: its mapping's patch, with its name
// (Salesforce requires one) and its domain (by which it is found next time), when the
// mapping does not write them.
func (co *companyRun) creationFields(c *creation) map[string]string {
	r := c.rec
	if r.patch == nil {
		r.patch = map[string]string{}
	}
	basics, ok := companyBasics[co.sub.p.Object]
	if !ok {
		return r.patch
	}
	for field, value := range map[string]string{basics.name: docString(r.firm, "name"), basics.domain: c.domain} {
		if _, set := r.patch[field]; !set && value != "" {
			r.patch[field] = value
			r.decided = append(r.decided, mapping.Decision{Field: field, Action: mapping.ActionWrite, New: value,
				Source: "leadsync: the created company's " + field})
		}
	}
	return r.patch
}

// companyBasics are, by company object, the fields that name a company and hold its
// domain.
var companyBasics = map[string]struct{ name, domain string }{
	"companies": {"name", "domain"},
	"Account":   {"Name", "Website"},
}

// recordCreation stores the new company under its domain's key (which ends the claim)
// and its fields in the ledger (I6), with its record state.
func (co *companyRun) recordCreation(ctx context.Context, key, id string, c *creation) (error, error) {
	sub := co.sub
	now := sub.now()
	answer, _ := json.Marshal(map[string]string{"crm_id": id})
	saveCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	err := sub.Store.SaveEnrichments(saveCtx, state.Spend{Pipeline: sub.p.Name, RunID: sub.id}, []state.Enrichment{{
		Key: key, Outcome: state.OutcomeMatched, LushaID: c.rec.lushaID, Answer: answer, FetchedAt: now,
		ExpiresAt: now.Add(sub.p.CacheTTL)}})
	if err != nil {
		return nil, err
	}
	c.rec.rec.ID = id
	pc := state.PageCommit{Pipeline: sub.p.Name, Account: sub.p.Account, Ledger: sub.ledgerRows(c.rec, now, false),
		Records: []state.RecordState{{Pipeline: sub.p.Name, Account: sub.p.Account, CRMID: id, Status: state.StatusDone,
			IdentityKey: c.rec.key, Reason: "created for people without a company", UpdatedAt: now}}}
	sub.counts.RecordsWritten++
	sub.counts.FieldsWritten += len(c.rec.patch)
	return sub.commitFenced(saveCtx, pc)
}
