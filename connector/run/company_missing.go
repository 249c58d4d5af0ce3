package run

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"

	"github.com/leadsync/leadsync/connector/react"
	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/mapping"
	"github.com/leadsync/leadsync/state"
)

// missing plans, for people who belong to no company record (create_missing), the
// company each needs: an existing company of the same domain, which they are linked
// to (and which is written like any company record), else a new one, one per domain
// of the page. The committer makes sure no duplicate is created across pages, runs,
// pipelines and processes.
func (co *companyRun) missing(ctx context.Context, cb *companyBatch, lacking []*Record) error {
	byDomain := map[string][]*Record{}
	for _, r := range lacking {
		if d := co.domainOf(cb, r); d != "" {
			byDomain[d] = append(byDomain[d], r)
		} // else no domain: nothing tells which company is theirs, so none is made
	}
	if len(byDomain) == 0 {
		return nil
	}
	domains := slices.Sorted(maps.Keys(byDomain))
	found, err := co.byDomain(ctx, domains)
	if err != nil {
		co.people.log.Warn("could not look for the companies of people without one", "err", err)
		if react.Of(err).Record == react.Defer {
			cb.stop = firstErr(cb.stop, err)
		}
		return nil
	}
	var taken []*Record
	for _, d := range domains {
		people := byDomain[d]
		if rec, ok := found[d]; ok {
			if g := co.take(cb, rec, people[0]); g != nil {
				taken = append(taken, g)
			}
			cb.links[rec.ID] = append(cb.links[rec.ID], ids(people)...)
			co.planned(ActionWouldLinkCompany, rec.ID, d, people)
			continue
		}
		co.plan(cb, d, people)
	}
	return co.settle(ctx, cb, taken, nil)
}

// plan adds the creation of the company of domain for people.
func (co *companyRun) plan(cb *companyBatch, domain string, people []*Record) {
	c := &creation{domain: domain, people: ids(people)}
	// Until it is created, the new company is named by its domain in the dry run.
	c.rec = newRecord(crm.Record{ID: "new:" + domain, Fields: map[string]string{}}, state.RecordState{}, false)
	c.rec.set(Planned, crm.ClassNone, "")
	if id := docString(people[0].contact, "company.id"); id != "" {
		c.rec.lushaID, c.rec.key = id, companyKey(id)
	}
	cb.creations = append(cb.creations, c)
	co.planned(ActionWouldCreateCompany, c.rec.rec.ID, domain, people)
}

// planned shows, in a dry run, a company that would be created or linked.
func (co *companyRun) planned(action mapping.Action, id, domain string, people []*Record) {
	if co.sub.opts.DryRun {
		co.sub.dry.add(Change{RecordID: id, Action: action, New: domain,
			Reason: fmt.Sprintf("for %s %s", co.people.p.Object, strings.Join(ids(people), ", "))})
	}
}

// domainOf is the bare domain of a person's company: Lusha's answer's, else the one
// the person's own record names.
func (co *companyRun) domainOf(cb *companyBatch, r *Record) string {
	if a := cb.answers[docString(r.contact, "company.id")]; a != nil && a.firm != nil {
		if d := bareDomain(docString(a.firm, "domain")); d != "" {
			return d
		}
	}
	return bareDomain(co.people.p.Mapping.Identity(r.rec.Fields).CompanyDomain)
}

// bareDomain lowers a domain or URL to its host without "www.": "acme.com".
func bareDomain(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return ""
	}
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil || !strings.Contains(u.Hostname(), ".") {
		return ""
	}
	return strings.TrimPrefix(u.Hostname(), "www.")
}

// byDomain looks companies up by domain, with the fields the company mapping reads.
func (co *companyRun) byDomain(ctx context.Context, domains []string) (map[string]crm.Record, error) {
	rn := co.people
	return react.Do(ctx, rn.Retry, func() (map[string]crm.Record, error) {
		found, err := co.crm.CompaniesByDomain(ctx, domains, co.sub.readFields())
		rn.Metrics.CallFinished(rn.p.Account, string(crm.ClassOf(err)))
		return found, err
	})
}

func ids(recs []*Record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.rec.ID
	}
	return out
}
