package hubspottest

import (
	"slices"
	"strconv"
	"strings"
)

// AddCompany is Add("companies", props).
func (s *Server) AddCompany(props map[string]string) string { return s.Add("companies", props) }

// Company is Get("companies", id).
func (s *Server) Company(id string) (map[string]string, bool) { return s.Get("companies", id) }

// CompanyLink is one company a contact is associated with.
type CompanyLink struct {
	ID string
	// Primary is true for the contact's primary company (association type 1).
	Primary bool
}

// ContactCompanies lists a contact's live companies by ascending id, as the v4
// association reads show them.
func (s *Server) ContactCompanies(contactID string) []CompanyLink {
	s.mu.Lock()
	defer s.mu.Unlock()
	contact := s.types["contacts"].lookup(contactID)
	if contact == nil {
		return nil
	}
	var out []CompanyLink
	for _, a := range s.allAssociated(s.types["contacts"], contact.id, s.types["companies"]) {
		out = append(out, CompanyLink{ID: a.ToObjectID, Primary: slices.ContainsFunc(a.AssociationTypes,
			func(t assocType) bool { return t.TypeID == typeContactToPrimaryCompany })})
	}
	return out
}

// allAssociated is every live association of a record with records of to.
func (s *Server) allAssociated(from *objectType, fromID int64, to *objectType) []associatedOut {
	out, _ := s.assocPage(from, fromID, to, 0, len(s.assoc[assocKey{from.name, fromID, to.name}]))
	return out
}

// Count is the number of live records of object: neither archived nor merged away.
func (s *Server) Count(object string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.mustObject(object).records {
		if !c.archived && c.mergedInto == 0 {
			n++
		}
	}
	return n
}

// CountCompanies is Count("companies"): a test that two runs created no duplicate
// company checks it.
func (s *Server) CountCompanies() int { return s.Count("companies") }

// CompaniesWithDomain lists the ids of the live companies whose domain is domain,
// ignoring case, oldest first.
func (s *Server) CompaniesWithDomain(domain string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.types["companies"]
	var out []string
	for _, id := range o.ids {
		if c := o.records[id]; !c.archived && c.mergedInto == 0 && strings.EqualFold(c.props["domain"], domain) {
			out = append(out, strconv.FormatInt(id, 10))
		}
	}
	return out
}
