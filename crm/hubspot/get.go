package hubspot

import (
	"context"
	"net/http"
	"net/url"
	"slices"

	"github.com/leadsync/leadsync/crm"
)

var _ crm.Getter = (*Client)(nil)

// maxBatchRead is HubSpot's cap on ids per batch read.
const maxBatchRead = 100

// Get reads records by id through POST /crm/v3/objects/{object}/batch/read, 100 ids a
// call. Ids HubSpot no longer has (archived, merged away) are absent from the answer,
// which comes back as a 207 with OBJECT_NOT_FOUND: they are left out, not an error.
func (c *Client) Get(ctx context.Context, object string, ids, fields []string) ([]crm.Record, error) {
	modified := modifiedProperty(object)
	props := dedupe(append(slices.Clone(fields), modified, "hs_object_id", "hs_merged_object_ids"))
	r := &read{fields: slices.Clone(fields), modifiedProp: modified}
	var out []crm.Record
	for chunk := range slices.Chunk(ids, maxBatchRead) {
		type input struct {
			ID string `json:"id"`
		}
		in := struct {
			Inputs                []input  `json:"inputs"`
			Properties            []string `json:"properties"`
			PropertiesWithHistory []string `json:"propertiesWithHistory"`
		}{Properties: props, PropertiesWithHistory: []string{}}
		for _, id := range chunk {
			in.Inputs = append(in.Inputs, input{id})
		}
		var resp batchResponse
		path := "/crm/v3/objects/" + url.PathEscape(object) + "/batch/read"
		if err := c.call(ctx, "read "+object, http.MethodPost, path, in, &resp); err != nil {
			return nil, err
		}
		for _, o := range resp.Results {
			out = append(out, r.record(o.ID, o))
		}
	}
	return out, nil
}
