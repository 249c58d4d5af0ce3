package salesforce

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/leadsync/leadsync/crm"
)

var _ crm.Getter = (*Client)(nil)

// getChunk keeps an Id IN (…) query's URL well under Salesforce's 16 KB limit.
const getChunk = 200

// Get reads records by id with SOQL (Id IN …), 200 ids a query. Ids that name no
// record, or a deleted one, are left out of the answer.
func (c *Client) Get(ctx context.Context, object string, ids, fields []string) ([]crm.Record, error) {
	op := "get " + object
	if msg := checkNames(object, crm.ChangesRequest{Fields: fields}); msg != "" {
		return nil, &crm.Error{Service: service, Op: op, Class: crm.ClassInvalid, Message: msg}
	}
	var out []crm.Record
	for start := 0; start < len(ids); start += getChunk {
		chunk := ids[start:min(start+getChunk, len(ids))]
		quoted := make([]string, len(chunk))
		for i, id := range chunk {
			if !idSyntax.MatchString(id) {
				return nil, &crm.Error{Service: service, Op: op, Class: crm.ClassInvalid, Message: "bad record id " + quote(id)}
			}
			quoted[i] = quote(id)
		}
		soql := "SELECT " + strings.Join(selectList(fields), ", ") + " FROM " + object +
			" WHERE Id IN (" + strings.Join(quoted, ", ") + ")"
		path := c.dataPath("/query?q=" + url.QueryEscape(soql))
		for path != "" {
			var resp queryResponse
			if err := c.call(ctx, request{op: op, method: http.MethodGet, path: path, out: &resp}); err != nil {
				return nil, err
			}
			recs, err := toRecords(op, resp.Records, fields)
			if err != nil {
				return nil, err
			}
			out = append(out, recs...)
			path = resp.nextPath()
		}
	}
	return out, nil
}
