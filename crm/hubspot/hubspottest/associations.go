package hubspottest

import (
	"fmt"
	"slices"
	"strconv"
)

// Association type ids the seeding API uses (HUBSPOT_DEFINED, reference §5.2).
const (
	typeContactToCompany        = 279
	typeContactToPrimaryCompany = 1
	typeLeadToPrimaryContact    = 578
	typeLeadToPrimaryCompany    = 580
)

// assocKind is one kind of association between two object types, seen from both
// sides: HubSpot gives each direction its own type id (reference §5.2).
type assocKind struct {
	a, b   string // plural object names
	ab, ba int    // type ids a→b and b→a; 0: the kind has no type that way
	label  string // "" for the default (unlabeled) association
	// onePerA: a record of a holds this label towards one b at most, as with a
	// primary company ("only one primary company per record", reference §5.2);
	// giving it to another b moves it there.
	onePerA bool
}

var assocKinds = []assocKind{
	{a: "contacts", b: "companies", ab: 279, ba: 280},
	// Type 2 ("company to primary contact" in the v4 guide's table) is taken as the
	// company side of type 1 (INFERENCE: the guide lists both ids, not how they pair).
	{a: "contacts", b: "companies", ab: typeContactToPrimaryCompany, ba: 2, label: "Primary", onePerA: true},
	{a: "leads", b: "contacts", ab: 608, ba: 609},
	{a: "leads", b: "contacts", ab: typeLeadToPrimaryContact, label: "Primary", onePerA: true},
	{a: "leads", b: "companies", ab: 610, ba: 611},
	{a: "leads", b: "companies", ab: typeLeadToPrimaryCompany, label: "Primary", onePerA: true},
}

// assocDir is a kind as seen from one of its sides.
type assocDir struct {
	kind    assocKind
	forward bool // seen from the a side
}

func (d assocDir) from() string {
	if d.forward {
		return d.kind.a
	}
	return d.kind.b
}

func (d assocDir) typeID() int {
	if d.forward {
		return d.kind.ab
	}
	return d.kind.ba
}

func (d assocDir) flip() assocDir { return assocDir{d.kind, !d.forward} }
func (d assocDir) to() string     { return d.flip().from() }
func (d assocDir) inverseID() int { return d.flip().typeID() }

// kindOf finds the kind that type id names from object from to object to ("" for
// any object: a create's associations name only the type).
func kindOf(from, to string, typeID int) (assocDir, bool) {
	for _, k := range assocKinds {
		for _, d := range []assocDir{{k, true}, {k, false}} {
			if d.from() == from && (to == "" || d.to() == to) && d.typeID() == typeID && typeID != 0 {
				return d, true
			}
		}
	}
	return assocDir{}, false
}

// defaultKind is the unlabeled kind between two object types.
func defaultKind(from, to string) (assocDir, bool) {
	for _, k := range assocKinds {
		if k.label == "" {
			if d := (assocDir{k, true}); d.from() == from && d.to() == to {
				return d, true
			}
			if d := (assocDir{k, false}); d.from() == from && d.to() == to {
				return d, true
			}
		}
	}
	return assocDir{}, false
}

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
	// Label is null for the default association in HubSpot's answers (v4 guide);
	// the spec types it as a string, so it is left out instead.
	Label string `json:"label,omitempty"`
}

// link adds one type to the association from → to (one direction).
func (s *Server) link(from string, fromID int64, to string, toID int64, t assocType) {
	k := assocKey{from, fromID, to}
	links := s.assoc[k]
	i := slices.IndexFunc(links, func(l assocLink) bool { return l.to == toID })
	if i < 0 {
		links = append(links, assocLink{to: toID})
		i = len(links) - 1
	}
	if !slices.Contains(links[i].types, t) {
		links[i].types = append(links[i].types, t)
	}
	s.assoc[k] = links
}

// unlink removes one type from the association from → to (one direction).
func (s *Server) unlink(from string, fromID int64, to string, toID int64, typeID int) {
	k := assocKey{from, fromID, to}
	for i := range s.assoc[k] {
		if s.assoc[k][i].to == toID {
			s.assoc[k][i].types = slices.DeleteFunc(s.assoc[k][i].types, func(t assocType) bool { return t.TypeID == typeID })
		}
	}
}

// addTypes gives the pair the kind's type ids, both ways.
func (s *Server) addTypes(d assocDir, fromID, toID int64) {
	if id := d.typeID(); id != 0 {
		s.link(d.from(), fromID, d.to(), toID, assocType{Category: "HUBSPOT_DEFINED", TypeID: id, Label: d.kind.label})
	}
	if id := d.inverseID(); id != 0 {
		s.link(d.to(), toID, d.from(), fromID, assocType{Category: "HUBSPOT_DEFINED", TypeID: id, Label: d.kind.label})
	}
}

// dropTypes takes the kind's type ids off the pair, both ways.
func (s *Server) dropTypes(d assocDir, fromID, toID int64) {
	if id := d.typeID(); id != 0 {
		s.unlink(d.from(), fromID, d.to(), toID, id)
	}
	if id := d.inverseID(); id != 0 {
		s.unlink(d.to(), toID, d.from(), fromID, id)
	}
}

// relate associates the pair by the kind: always with the default association,
// which every label comes with (the v4 guide's answers list 279 beside "Primary",
// and deleting the default removes every label), and with the kind's label if it
// has one. A label held once per record leaves the record's other pairs.
func (s *Server) relate(d assocDir, fromID, toID int64) {
	if def, ok := defaultKind(d.from(), d.to()); ok {
		s.addTypes(def, fromID, toID)
	}
	if d.kind.label == "" {
		return
	}
	if !d.forward {
		d, fromID, toID = d.flip(), toID, fromID
	}
	if d.kind.onePerA {
		for _, l := range s.assoc[assocKey{d.from(), fromID, d.to()}] {
			s.dropTypes(d, fromID, l.to)
		}
	}
	s.addTypes(d, fromID, toID)
}

// setLabels gives the pair exactly the labels of dirs, besides the default
// association, as the labelled PUT and batch create do: "to replace the existing
// label, only include the new label in the request" (associations v4 guide).
func (s *Server) setLabels(from, to string, fromID, toID int64, dirs []assocDir) {
	for _, k := range assocKinds {
		d := assocDir{k, true}
		if d.from() != from {
			d = d.flip()
		}
		if k.label != "" && d.from() == from && d.to() == to && !slices.Contains(dirs, d) {
			s.dropTypes(d, fromID, toID)
		}
	}
	for _, d := range dirs {
		s.relate(d, fromID, toID)
	}
	if def, ok := defaultKind(from, to); ok {
		s.relate(def, fromID, toID)
	}
}

// Associate links a contact to a company in both directions, as the default
// association does; primary also labels the company as the contact's primary one
// (only one is: an earlier primary keeps only its default association).
func (s *Server) Associate(contactID, companyID string, primary bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	contact, company := s.types["contacts"].live(contactID), s.types["companies"].live(companyID)
	if contact == nil || company == nil {
		panic(fmt.Sprintf("hubspottest: Associate: no live contact %s or company %s", contactID, companyID))
	}
	typeID := typeContactToCompany
	if primary {
		typeID = typeContactToPrimaryCompany
	}
	d, _ := kindOf("contacts", "companies", typeID)
	s.relate(d, contact.id, company.id)
}

// AddLead creates a lead, which HubSpot requires to have a primary contact
// (reference §6), and fills the lead's hs_associated_* properties from it. The
// lead's primary company is the contact's (INFERENCE: reference §6 takes the
// hs_associated_company_* values to derive from the lead's associations).
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
	d, _ := kindOf("leads", "contacts", typeLeadToPrimaryContact)
	s.relate(d, lead.id, contact.id)
	if company := s.primaryCompany(contact.id); company != nil {
		setValue(lead.props, "hs_associated_company_domain", company.props["domain"])
		setValue(lead.props, "hs_associated_company_name", company.props["name"])
		if !company.archived {
			d, _ := kindOf("leads", "companies", typeLeadToPrimaryCompany)
			s.relate(d, lead.id, company.id)
		}
	}
	s.reindex(lead)
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
				for _, t := range l.types {
					s.link(object, to, k.to, l.to, t)
				}
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
