package hubspot

import (
	"context"
	"net/http"
	"net/url"

	"github.com/leadsync/leadsync/crm"
)

// maxStringLength is HubSpot's documented limit for string property values.
const maxStringLength = 65536

// Schema reads the object's property definitions (GET /crm/v3/properties/{object}).
func (c *Client) Schema(ctx context.Context, object string) (crm.Schema, error) {
	var resp propertiesResponse
	path := "/crm/v3/properties/" + url.PathEscape(object)
	if err := c.call(ctx, "read "+object+" properties", http.MethodGet, path, nil, &resp); err != nil {
		return crm.Schema{}, err
	}
	s := crm.Schema{Object: object, Fields: make(map[string]crm.FieldSchema, len(resp.Results))}
	for _, p := range resp.Results {
		s.Fields[p.Name] = p.fieldSchema()
	}
	return s, nil
}

func (p property) fieldSchema() crm.FieldSchema {
	f := crm.FieldSchema{
		Name:       p.Name,
		Label:      p.Label,
		Type:       p.Type,
		FieldType:  p.FieldType,
		Calculated: p.Calculated,
		// Both places have been seen; either one makes the value unwritable, and so
		// does a calculation.
		ReadOnly: p.ReadOnlyValue || p.ModificationMetadata != nil && p.ModificationMetadata.ReadOnlyValue || p.Calculated,
	}
	// Externally sourced options (owners, pipeline stages) are not listed; leaving
	// Options nil tells validation there is nothing to check against.
	if !p.ExternalOptions {
		for _, o := range p.Options {
			f.Options = append(f.Options, o.Value)
		}
	}
	if p.Type == "string" {
		f.MaxLength = maxStringLength
	}
	return f
}
