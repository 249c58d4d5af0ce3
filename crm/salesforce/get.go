package salesforce

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/leadsync/leadsync/crm"
)

var _ crm.Getter = (*Client)(nil)

// getChunk keeps an Id IN (…) query's URL well under Salesforce's 16 KB limit.
const getChunk = 200

// Get reads records by id with SOQL (Id IN …), 200 ids a query, through queryAll: a
// record deleted or merged away since it was read comes back from the recycle bin
// with IsDeleted = true and is reported Deleted, so that the connector drops it
// instead of retrying it (salesforce-api.md §3.6, §7.3). Ids that name no record (or
// one purged from the recycle bin) are left out of the answer, and so are converted
// leads, which no update can reach (see unconverted).
func (c *Client) Get(ctx context.Context, object string, ids, fields []string) ([]crm.Record, error) {
	op := "get " + object
	if msg := checkNames(object, crm.ChangesRequest{Fields: fields}); msg != "" {
		return nil, &crm.Error{Service: service, Op: op, Class: crm.ClassInvalid, Message: msg}
	}
	var out []crm.Record
	for chunk := range slices.Chunk(ids, getChunk) {
		in, err := idIn(op, chunk)
		if err != nil {
			return nil, err
		}
		where := append([]string{in}, unconverted(object)...)
		soql := "SELECT " + strings.Join(selectList(append([]string{"IsDeleted"}, fields...)), ", ") + " FROM " + object +
			" WHERE " + strings.Join(where, " AND ")
		recs, err := c.queryAll(ctx, op, soql, fields)
		if err != nil {
			return nil, err
		}
		out = append(out, recs...)
	}
	return out, nil
}

// idIn is the term "Id IN ('…', …)" for at most getChunk ids, each checked, so that no
// id can change the statement's shape.
func idIn(op string, ids []string) (string, error) {
	quoted := make([]string, len(ids))
	for i, id := range ids {
		if !idSyntax.MatchString(id) {
			return "", &crm.Error{Service: service, Op: op, Class: crm.ClassInvalid, Message: "bad record id " + quote(id)}
		}
		quoted[i] = quote(id)
	}
	return "Id IN (" + strings.Join(quoted, ", ") + ")", nil
}

// queryAll runs a statement through /queryAll, recycle bin included, following its
// batches; each record says whether it is deleted.
func (c *Client) queryAll(ctx context.Context, op, soql string, fields []string) ([]crm.Record, error) {
	return c.queryRecords(ctx, op, "/queryAll", soql, fields)
}

// query runs a statement through /query, which leaves the recycle bin out.
func (c *Client) query(ctx context.Context, op, soql string, fields []string) ([]crm.Record, error) {
	return c.queryRecords(ctx, op, "/query", soql, fields)
}

// queryRecords reads every batch of a statement that selects Id, SystemModstamp and
// fields (and IsDeleted, when Deleted is to say anything).
func (c *Client) queryRecords(ctx context.Context, op, resource, soql string, fields []string) ([]crm.Record, error) {
	var out []crm.Record
	path := c.dataPath(resource + "?q=" + url.QueryEscape(soql))
	for path != "" {
		var resp queryResponse
		if err := c.call(ctx, request{op: op, method: http.MethodGet, path: path, out: &resp}); err != nil {
			return nil, err
		}
		recs, err := toRecords(op, resp.Records, fields)
		if err != nil {
			return nil, err
		}
		for i, row := range resp.Records {
			recs[i].Deleted = text(row["IsDeleted"]) == "true" // selected under that name
		}
		out = append(out, recs...)
		path = resp.nextPath()
	}
	return out, nil
}
