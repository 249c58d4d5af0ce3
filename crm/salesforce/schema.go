package salesforce

import (
	"context"
	"net/http"
	"net/url"

	"github.com/leadsync/leadsync/crm"
)

// Schema reads the object's describe (GET /sobjects/{object}/describe).
func (c *Client) Schema(ctx context.Context, object string) (crm.Schema, error) {
	op := "describe " + object
	if !nameSyntax.MatchString(object) {
		return crm.Schema{}, &crm.Error{Service: service, Op: op, Class: crm.ClassInvalid, Message: "bad object name " + quote(object)}
	}
	var d describeResult
	if err := c.call(ctx, request{op: op, method: http.MethodGet,
		path: c.dataPath("/sobjects/" + url.PathEscape(object) + "/describe"), out: &d}); err != nil {
		return crm.Schema{}, err
	}
	c.types.put(object, d.Fields)
	s := crm.Schema{Object: cmpOr(d.Name, object), Fields: make(map[string]crm.FieldSchema, len(d.Fields))}
	for _, f := range d.Fields {
		s.Fields[f.Name] = f.fieldSchema()
	}
	return s, nil
}

type describeResult struct {
	Name   string          `json:"name"`
	Fields []describeField `json:"fields"`
}

type describeField struct {
	Name               string          `json:"name"`
	Label              string          `json:"label"`
	Type               string          `json:"type"`
	Length             int             `json:"length"`
	Updateable         bool            `json:"updateable"`
	Calculated         bool            `json:"calculated"`
	AutoNumber         bool            `json:"autoNumber"`
	Nillable           bool            `json:"nillable"`
	RestrictedPicklist bool            `json:"restrictedPicklist"`
	PicklistValues     []picklistValue `json:"picklistValues"`
}

type picklistValue struct {
	Active bool   `json:"active"`
	Value  string `json:"value"`
}

// crmTypes maps Salesforce field types onto the crm vocabulary; FieldType keeps the
// original.
var crmTypes = map[string]string{
	"picklist": "enumeration", "multipicklist": "enumeration",
	"int": "number", "double": "number", "currency": "number", "percent": "number", "long": "number",
	"boolean": "bool", "date": "date", "datetime": "datetime", "phone": "phone_number",
}

func (f describeField) fieldSchema() crm.FieldSchema {
	s := crm.FieldSchema{
		Name:       f.Name,
		Label:      f.Label,
		Type:       cmpOr(crmTypes[f.Type], "string"),
		FieldType:  f.Type,
		Calculated: f.Calculated || f.AutoNumber,
		ReadOnly:   !f.Updateable || f.Calculated || f.AutoNumber,
		MaxLength:  f.Length,
	}
	// Only a restricted picklist refuses other values; listing an unrestricted one's
	// values would make validation refuse what the org accepts. crm.FieldSchema has
	// no "restricted" flag, so nil Options says "nothing to check against".
	if f.RestrictedPicklist {
		for _, v := range f.PicklistValues {
			if v.Active {
				s.Options = append(s.Options, v.Value)
			}
		}
	}
	return s
}
