package salesforcetest

import (
	"net/http"
	"strings"
)

// describeField is the part of describe's field object that clients read.
type describeField struct {
	Name               string          `json:"name"`
	Label              string          `json:"label"`
	Type               string          `json:"type"`
	SoapType           string          `json:"soapType"`
	Length             int             `json:"length"`
	ByteLength         int             `json:"byteLength"`
	Digits             int             `json:"digits"`
	Precision          int             `json:"precision"`
	Scale              int             `json:"scale"`
	Createable         bool            `json:"createable"`
	Updateable         bool            `json:"updateable"`
	Nillable           bool            `json:"nillable"`
	Calculated         bool            `json:"calculated"`
	Custom             bool            `json:"custom"`
	DefaultedOnCreate  bool            `json:"defaultedOnCreate"`
	Filterable         bool            `json:"filterable"`
	Sortable           bool            `json:"sortable"`
	RestrictedPicklist bool            `json:"restrictedPicklist"`
	PicklistValues     []picklistValue `json:"picklistValues"`
	ReferenceTo        []string        `json:"referenceTo"`
	RelationshipName   *string         `json:"relationshipName"`
}

type picklistValue struct {
	Active       bool    `json:"active"`
	DefaultValue bool    `json:"defaultValue"`
	Label        string  `json:"label"`
	ValidFor     *string `json:"validFor"`
	Value        string  `json:"value"`
}

type describeResult struct {
	Name        string            `json:"name"`
	Label       string            `json:"label"`
	LabelPlural string            `json:"labelPlural"`
	KeyPrefix   string            `json:"keyPrefix"`
	Custom      bool              `json:"custom"`
	Createable  bool              `json:"createable"`
	Updateable  bool              `json:"updateable"`
	Deletable   bool              `json:"deletable"`
	Queryable   bool              `json:"queryable"`
	Retrievable bool              `json:"retrieveable"`
	Searchable  bool              `json:"searchable"`
	Replicable  bool              `json:"replicateable"`
	URLs        map[string]string `json:"urls"`
	Fields      []describeField   `json:"fields,omitempty"`
	RecordTypes []any             `json:"recordTypeInfos,omitempty"`
}

var soapTypes = map[string]string{"id": "tns:ID", "reference": "tns:ID", "boolean": "xsd:boolean", "int": "xsd:int",
	"double": "xsd:double", "currency": "xsd:double", "percent": "xsd:double", "date": "xsd:date", "datetime": "xsd:dateTime"}

func (f Field) describe() describeField {
	d := describeField{Name: f.Name, Label: f.Label, Type: f.Type, SoapType: cmpOrString(soapTypes[f.Type], "xsd:string"),
		Digits: f.Digits, Precision: f.Precision, Scale: f.Scale,
		Createable: !f.ReadOnly, Updateable: !f.ReadOnly, Nillable: !f.Required, Calculated: f.Calculated,
		Custom: f.custom(), Filterable: true, Sortable: f.Type != "textarea" && f.Type != "multipicklist",
		RestrictedPicklist: f.Restricted, PicklistValues: []picklistValue{}, ReferenceTo: append([]string{}, f.ReferenceTo...),
		DefaultedOnCreate: f.Defaulted || f.Type == "boolean" || f.Name == "Id"}
	if isText(f.Type) || f.Type == "id" || f.Type == "reference" {
		d.Length, d.ByteLength = f.Length, 3*f.Length
	}
	for _, v := range f.Picklist {
		d.PicklistValues = append(d.PicklistValues, picklistValue{Active: true, Label: v, Value: v})
	}
	if len(f.ReferenceTo) > 0 && !f.custom() {
		// A standard lookup's relationship drops the Id suffix: AccountId → Account.
		rel := strings.TrimSuffix(f.Name, "Id")
		d.RelationshipName = &rel
	}
	return d
}

func (o *object) describe(version string, withFields bool) describeResult {
	base := "/services/data/" + version + "/sobjects/" + o.name
	d := describeResult{Name: o.name, Label: o.label, LabelPlural: o.plural, KeyPrefix: o.prefix,
		Createable: true, Updateable: true, Deletable: true, Queryable: true, Retrievable: true, Searchable: true,
		Replicable: true, URLs: map[string]string{"sobject": base, "describe": base + "/describe", "rowTemplate": base + "/{ID}"}}
	if withFields {
		d.RecordTypes = []any{}
		for _, name := range o.order {
			f, _ := o.field(name)
			d.Fields = append(d.Fields, f.describe())
		}
	}
	return d
}

func (s *Server) handleDescribe(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	o, ok := s.objects[strings.ToLower(r.PathValue("object"))]
	var d describeResult
	if ok {
		d = o.describe(r.PathValue("version"), true)
	}
	s.mu.Unlock()
	if !ok {
		notFound(w)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

func (s *Server) handleDescribeGlobal(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	out := map[string]any{"encoding": "UTF-8", "maxBatchSize": maxCollection}
	var objs []describeResult
	for _, name := range []string{"account", "contact", "lead"} {
		objs = append(objs, s.objects[name].describe(r.PathValue("version"), false))
	}
	out["sobjects"] = objs
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}
