package run

import (
	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/lusha"
	"github.com/leadsync/leadsync/mapping"
)

// identifyCompany gives a company record (a company mapping's) its identity: its
// domain or its name, keyed by mapping.CompanyIdentity.Key. A company with neither is
// skipped. It reports whether the record goes on.
func (rn *run) identifyCompany(r *Record) bool {
	id := usableCompany(rn.p.Mapping.CompanyIdentity(r.rec.Fields))
	if !id.Valid() {
		r.set(Skipped, crm.ClassNone, "no identity: a company needs a domain or a name")
		return false
	}
	r.key = id.Key()
	// A company record's search item is kept in the company parts of r.item.
	r.item = lusha.ContactSearchItem{ClientReferenceID: r.rec.ID, CompanyName: id.Name, CompanyDomain: id.SearchDomain()}
	r.set(Planned, crm.ClassNone, "")
	return true
}

// usableCompany drops the identity parts Lusha would refuse, as usable does for people.
func usableCompany(id mapping.CompanyIdentity) mapping.CompanyIdentity {
	p := usable(mapping.Identity{CompanyName: id.Name, CompanyDomain: id.Domain})
	return mapping.CompanyIdentity{Name: p.CompanyName, Domain: p.CompanyDomain}
}

// companyItem is the company search item of a company record.
func companyItem(r *Record) lusha.CompanySearchItem {
	return lusha.CompanySearchItem{ClientReferenceID: r.item.ClientReferenceID, Name: r.item.CompanyName, Domain: r.item.CompanyDomain}
}

// answered reports whether the record holds the answer its mapping reads: a person's
// contact answer, or a company record's company answer (a person's company answer
// comes only with its contact answer).
func (r *Record) answered() bool { return r.contact != nil || r.firm != nil }
