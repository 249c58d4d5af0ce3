package hubspottest

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Association type ids (HUBSPOT_DEFINED, reference §5.2).
const (
	typeContactToCompany        = 279
	typeContactToPrimaryCompany = 1
	typeCompanyToContact        = 280
	typeContactToLead           = 609
	typeLeadToContact           = 608
	typeLeadToPrimaryContact    = 578
)

// assocKey is one record's associations towards one object type.
type assocKey struct {
	from string // plural object name
	id   int64
	to   string
}

type assocLink struct {
	to    int64
	types []assocType
}

type assocType struct {
	Category string `json:"category"`
	TypeID   int    `json:"typeId"`
	Label    string `json:"label,omitempty"`
}

func hubspotDefined(typeID int, label string) assocType {
	return assocType{Category: "HUBSPOT_DEFINED", TypeID: typeID, Label: label}
}

// link adds the association from → to (one direction), merging types.
func (s *Server) link(from string, fromID int64, to string, toID int64, types ...assocType) {
	k := assocKey{from, fromID, to}
	links := s.assoc[k]
	i := slices.IndexFunc(links, func(l assocLink) bool { return l.to == toID })
	if i < 0 {
		links = append(links, assocLink{to: toID})
		i = len(links) - 1
	}
	for _, t := range types {
		if !slices.Contains(links[i].types, t) {
			links[i].types = append(links[i].types, t)
		}
	}
	s.assoc[k] = links
}

// Associate links a contact to a company in both directions, as the default
// association does; primary also labels the company as the contact's primary one
// (only one is: an earlier primary loses the label).
func (s *Server) Associate(contactID, companyID string, primary bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	contact, company := s.types["contacts"].live(contactID), s.types["companies"].live(companyID)
	if contact == nil || company == nil {
		panic(fmt.Sprintf("hubspottest: Associate: no live contact %s or company %s", contactID, companyID))
	}
	types := []assocType{hubspotDefined(typeContactToCompany, "")}
	if primary {
		k := assocKey{"contacts", contact.id, "companies"}
		for i := range s.assoc[k] {
			s.assoc[k][i].types = slices.DeleteFunc(s.assoc[k][i].types,
				func(t assocType) bool { return t.TypeID == typeContactToPrimaryCompany })
		}
		types = append(types, hubspotDefined(typeContactToPrimaryCompany, "Primary"))
	}
	s.link("contacts", contact.id, "companies", company.id, types...)
	s.link("companies", company.id, "contacts", contact.id, hubspotDefined(typeCompanyToContact, ""))
}

// AddLead creates a lead, which HubSpot requires to have a primary contact
// (reference §6), and fills the lead's hs_associated_* properties from it.
func (s *Server) AddLead(contactID string, props map[string]string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	contact := s.types["contacts"].live(contactID)
	if contact == nil {
		panic("hubspottest: AddLead: no live contact " + contactID)
	}
	lead := s.add(s.types["leads"], props)
	for _, p := range []string{"email", "firstname", "lastname"} {
		setValue(lead.props, "hs_associated_contact_"+p, contact.props[p])
	}
	if company := s.primaryCompany(contact.id); company != nil {
		setValue(lead.props, "hs_associated_company_domain", company.props["domain"])
		setValue(lead.props, "hs_associated_company_name", company.props["name"])
	}
	s.reindex(lead)
	s.link("leads", lead.id, "contacts", contact.id,
		hubspotDefined(typeLeadToContact, ""), hubspotDefined(typeLeadToPrimaryContact, "Primary"))
	s.link("contacts", contact.id, "leads", lead.id, hubspotDefined(typeContactToLead, ""))
	return strconv.FormatInt(lead.id, 10)
}

func (s *Server) primaryCompany(contactID int64) *record {
	links := s.assoc[assocKey{"contacts", contactID, "companies"}]
	for _, l := range links {
		if slices.ContainsFunc(l.types, func(t assocType) bool { return t.TypeID == typeContactToPrimaryCompany }) {
			return s.types["companies"].records[l.to]
		}
	}
	if len(links) > 0 {
		return s.types["companies"].records[links[0].to]
	}
	return nil
}

// moveAssociations gives a merge's new record the associations of the records it
// replaced, in both directions.
func (s *Server) moveAssociations(object string, olds []int64, to int64) {
	for k, links := range s.assoc {
		switch {
		case k.from == object && slices.Contains(olds, k.id):
			delete(s.assoc, k)
			for _, l := range links {
				s.link(object, to, k.to, l.to, l.types...)
			}
		case k.to == object:
			for i := range links {
				if slices.Contains(olds, links[i].to) {
					links[i].to = to
				}
			}
			s.assoc[k] = slices.CompactFunc(links, func(a, b assocLink) bool { return a.to == b.to })
		}
	}
}

// associatedOut is MultiAssociatedObjectWithLabel; the spec types toObjectId as a
// string.
type associatedOut struct {
	ToObjectID       string      `json:"toObjectId"`
	AssociationTypes []assocType `json:"associationTypes"`
}

type assocResultOut struct {
	From struct {
		ID string `json:"id"`
	} `json:"from"`
	To []associatedOut `json:"to"`
}

// maxAssociationInputs is the batch read's input cap (reference §5.3).
const maxAssociationInputs = 1000

// batchReadAssociations serves POST /crm/v4/associations/{from}/{to}/batch/read:
// 207 with one NO_ASSOCIATIONS_FOUND error per input without associations.
func (s *Server) batchReadAssociations(w http.ResponseWriter, r *http.Request) {
	from, to := s.objectNamed(r.PathValue("fromObjectType")), s.objectNamed(r.PathValue("toObjectType"))
	if from == nil || to == nil {
		validationError(w, "Unable to infer object type from: "+r.PathValue("fromObjectType")+" / "+r.PathValue("toObjectType"))
		return
	}
	var in struct {
		Inputs []struct {
			ID string `json:"id"`
		} `json:"inputs"`
	}
	if !decode(w, r, &in) {
		return
	}
	if len(in.Inputs) > maxAssociationInputs {
		validationError(w, fmt.Sprintf("Batch input size %d exceeds the limit of %d", len(in.Inputs), maxAssociationInputs))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	started := s.now()
	out := struct {
		Status      string           `json:"status"`
		Results     []assocResultOut `json:"results"`
		NumErrors   int              `json:"numErrors,omitempty"`
		Errors      []standardErr    `json:"errors,omitempty"`
		StartedAt   string           `json:"startedAt"`
		CompletedAt string           `json:"completedAt"`
	}{Status: "COMPLETE", Results: []assocResultOut{}, StartedAt: formatTime(started), CompletedAt: formatTime(started)}
	for _, input := range in.Inputs {
		res, ok := s.associationsOf(from, input.ID, to)
		if !ok {
			out.Errors = append(out.Errors, standardErr{Status: "error", Category: "OBJECT_NOT_FOUND",
				// The real answer's subCategory (crm.associations.NO_ASSOCIATIONS_FOUND) is
				// a string where the spec declares an object; it is left out.
				Message: fmt.Sprintf("No %s is associated with %s %s.", strings.ToLower(to.label), strings.ToLower(from.label), input.ID),
				Context: map[string][]string{"fromObjectId": {input.ID}}, Errors: []errorDetail{}, Links: map[string]string{}})
			continue
		}
		out.Results = append(out.Results, res)
	}
	status := http.StatusOK
	if len(out.Errors) > 0 {
		out.NumErrors, status = len(out.Errors), http.StatusMultiStatus
	}
	writeJSON(w, status, out)
}

func (s *Server) associationsOf(from *objectType, id string, to *objectType) (assocResultOut, bool) {
	var res assocResultOut
	res.From.ID = id
	c := from.live(id)
	if c == nil {
		return res, false
	}
	for _, l := range s.assoc[assocKey{from.name, c.id, to.name}] {
		if t := to.records[l.to]; t == nil || t.archived {
			continue
		}
		res.To = append(res.To, associatedOut{ToObjectID: strconv.FormatInt(l.to, 10), AssociationTypes: l.types})
	}
	return res, len(res.To) > 0
}

// listAssociations serves GET /crm/v4/objects/{objectType}/{objectId}/associations/{toObjectType}
// in one page (the fake's records have far fewer than the 500 a page holds).
func (s *Server) listAssociations(w http.ResponseWriter, r *http.Request) {
	from, to := s.objectNamed(r.PathValue("objectType")), s.objectNamed(r.PathValue("toObjectType"))
	if from == nil || to == nil {
		validationError(w, "Unable to infer object type")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if from.live(r.PathValue("objectId")) == nil {
		writeError(w, http.StatusNotFound, apiError{Category: "OBJECT_NOT_FOUND", Message: "resource not found",
			Context: map[string][]string{"id": {r.PathValue("objectId")}}})
		return
	}
	res, _ := s.associationsOf(from, r.PathValue("objectId"), to)
	if res.To == nil {
		res.To = []associatedOut{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": res.To})
}
