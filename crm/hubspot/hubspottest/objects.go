package hubspottest

import (
	"strings"
)

// objectType is one CRM object type of the account: its property definitions and
// its records. Ids are unique across the fake (HubSpot only promises per type).
type objectType struct {
	name   string // plural API name: contacts, companies, leads
	typeID string // 0-1, 0-2, 0-136
	label  string // upper-case singular, as error messages name it
	// legacyModified marks contacts, whose modification date is lastmodifieddate
	// (kept equal to hs_lastmodifieddate).
	legacyModified bool
	// defaultSearch are the properties a search returns when it names none.
	defaultSearch []string

	props     map[string]Property
	propOrder []string
	records   map[int64]*record
	ids       []int64 // ascending: creation order
	instants  map[string]parsedInstant
}

func (o *objectType) modifiedProp() string {
	if o.legacyModified {
		return "lastmodifieddate"
	}
	return "hs_lastmodifieddate"
}

// alwaysReturned come back whatever properties were asked for (reference §3.2, §6).
func (o *objectType) alwaysReturned() []string {
	return []string{"createdate", "hs_object_id", o.modifiedProp()}
}

func (o *objectType) define(p Property) {
	if p.Label == "" {
		p.Label = p.Name
	}
	if p.GroupName == "" {
		p.GroupName = strings.ToLower(o.label) + "information"
	}
	if p.FieldType == "" {
		p.FieldType = map[string]string{"number": "number", "enumeration": "select", "datetime": "date",
			"date": "date", "bool": "booleancheckbox"}[p.Type]
		if p.FieldType == "" {
			p.FieldType = "text"
		}
	}
	if _, ok := o.props[p.Name]; !ok {
		o.propOrder = append(o.propOrder, p.Name)
	}
	o.props[p.Name] = p
}

func newObjectType(name, typeID, label string, defaultSearch []string, props []Property) *objectType {
	o := &objectType{name: name, typeID: typeID, label: label, legacyModified: name == "contacts",
		defaultSearch: defaultSearch, props: map[string]Property{}, records: map[int64]*record{},
		instants: map[string]parsedInstant{}}
	for _, p := range props {
		o.define(p)
	}
	return o
}

// Object names as paths may spell them (reference §1, §5.3).
var objectAliases = map[string]string{
	"contacts": "contacts", "contact": "contacts", "0-1": "contacts",
	"companies": "companies", "company": "companies", "0-2": "companies",
	"leads": "leads", "lead": "leads", "0-136": "leads",
}

func (s *Server) newObjectTypes() {
	s.types = map[string]*objectType{
		"contacts": newObjectType("contacts", "0-1", "CONTACT",
			[]string{"createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname"}, defaultProperties()),
		"companies": newObjectType("companies", "0-2", "COMPANY",
			[]string{"createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name"}, companyProperties()),
		"leads": newObjectType("leads", "0-136", "LEAD",
			[]string{"createdate", "hs_lastmodifieddate", "hs_object_id"}, leadProperties()),
	}
}

// objectNamed resolves a path's object name or type id; nil when the fake has none.
func (s *Server) objectNamed(name string) *objectType {
	return s.types[objectAliases[strings.ToLower(name)]]
}

// mustObject is objectNamed for the seeding API, where an unknown name is a bug.
func (s *Server) mustObject(name string) *objectType {
	o := s.objectNamed(name)
	if o == nil {
		panic("hubspottest: no object type " + name)
	}
	return o
}
