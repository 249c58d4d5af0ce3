package salesforce

import (
	"context"
	"encoding/json"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/leadsync/leadsync/crm"
)

// Changes reads the records of req.Object changed after req.Since, in
// (SystemModstamp, Id) order, with one SOQL query whose batches arrive through
// nextRecordsUrl:
//
//	SELECT Id, SystemModstamp, … FROM Lead
//	WHERE (SystemModstamp > :t OR (SystemModstamp = :t AND Id > :id))
//	  AND SystemModstamp < :now-lag AND IsConverted = false AND <filter>
//	ORDER BY SystemModstamp ASC, Id ASC
//
// Each page's cursor is the (SystemModstamp, Id) of its last record, so a read resumed
// from any page goes on exactly after it, however many records share one second. When
// the look-back reaches behind that position, the read starts at the look-back instead
// (SystemModstamp >= :asOf-lookback) and hands out only the versions no read handed
// out before: rows that long transactions committed late (lookback.go).
// Salesforce's batches (200 to 2,000 records) are cut into pages of req.PageSize. The
// query's snapshot means a record changed during the read comes back in the next one.
func (c *Client) Changes(ctx context.Context, req crm.ChangesRequest) iter.Seq2[crm.Page, error] {
	return func(yield func(crm.Page, error) bool) {
		op := "query " + req.Object
		pos, err := decodeCursor(req.Since)
		if err != nil {
			yield(crm.Page{}, &crm.Error{Service: service, Op: op, Class: crm.ClassInvalid, Message: "bad cursor", Err: err})
			return
		}
		if msg := checkNames(req.Object, req); msg != "" {
			yield(crm.Page{}, &crm.Error{Service: service, Op: op, Class: crm.ClassInvalid, Message: msg})
			return
		}
		terms, err := c.readTerms(ctx, op, req)
		if err != nil {
			yield(crm.Page{}, err)
			return
		}
		tr := newTracker(pos, c.now().Add(-c.settleLag).Truncate(time.Second), c.lookback)
		soql := changesQuery(req.Object, selectList(req.Fields), tr.lowerBound(), terms, tr.upper)
		pageSize := req.PageSize
		if pageSize <= 0 || pageSize > maxQueryBatch {
			pageSize = maxQueryBatch
		}
		header := http.Header{"Sforce-Query-Options": {"batchSize=" + strconv.Itoa(max(pageSize, minQueryBatch))}}
		path := c.dataPath("/query?q=" + url.QueryEscape(soql))
		empty := 0 // batches in a row with no record and yet a next batch
		for path != "" {
			var resp queryResponse
			if err := c.call(ctx, request{op: op, method: http.MethodGet, path: path, header: header, out: &resp}); err != nil {
				yield(crm.Page{}, err)
				return
			}
			rows, err := toRecords(op, resp.Records, req.Fields)
			if err != nil {
				yield(crm.Page{}, err)
				return
			}
			next := resp.nextPath()
			if len(rows) == 0 && next != "" {
				// A real org never hands out empty batches mid-read; one that keeps
				// doing so would hold the read here for ever.
				if empty++; empty >= maxEmptyBatches || next == path {
					yield(crm.Page{}, &crm.Error{Service: service, Op: op, Class: crm.ClassUnavailable,
						Message: "the org keeps answering empty batches with a next batch"})
					return
				}
			} else {
				empty = 0
			}
			path = next
			if !pages(tr, rows, pageSize, path == "", resp.TotalSize, yield) {
				return
			}
		}
	}
}

// readTerms are the WHERE terms every read of the object carries: converted leads
// left out, then the pipeline filter, whose values take their fields' describe types
// (cached; a filter without values needs none).
func (c *Client) readTerms(ctx context.Context, op string, req crm.ChangesRequest) ([]string, error) {
	var types map[string]string
	if len(req.Filter.Equals) > 0 {
		types = c.fieldTypes(ctx, req.Object)
	}
	terms, err := filterTerms(req.Filter, types)
	if err != nil {
		return nil, &crm.Error{Service: service, Op: op, Class: crm.ClassInvalid, Message: err.Error()}
	}
	return append(unconverted(req.Object), terms...), nil
}

// pages hands out one batch's new rows in pages of size, each with the cursor after
// it; the last batch of a read yields at least one (possibly empty) page, so that an
// empty read still hands back its cursor. False when the consumer stopped.
func pages(tr *tracker, rows []crm.Record, size int, last bool, total int, yield func(crm.Page, error) bool) bool {
	page, emitted := []crm.Record{}, false
	for _, r := range rows {
		if !tr.take(r) {
			continue
		}
		if page = append(page, r); len(page) == size {
			if !yield(crm.Page{Records: page, Next: tr.cursor(), Total: total}, nil) {
				return false
			}
			page, emitted = []crm.Record{}, true
		}
	}
	if len(page) > 0 || last && !emitted {
		return yield(crm.Page{Records: page, Next: tr.cursor(), Total: total}, nil)
	}
	return true
}

// maxEmptyBatches bounds how many empty batches with a next batch a read follows.
const maxEmptyBatches = 3

type queryResponse struct {
	TotalSize      int                          `json:"totalSize"`
	Done           bool                         `json:"done"`
	NextRecordsURL string                       `json:"nextRecordsUrl"`
	Records        []map[string]json.RawMessage `json:"records"`
}

// nextPath is the next batch's path, followed verbatim relative to the instance.
func (r queryResponse) nextPath() string {
	if r.Done || !strings.HasPrefix(r.NextRecordsURL, "/services/") {
		return ""
	}
	return r.NextRecordsURL
}

// toRecords converts query rows. Field lookups ignore case: Salesforce answers with
// canonical names whatever casing the statement used.
func toRecords(op string, rows []map[string]json.RawMessage, fields []string) ([]crm.Record, error) {
	out := make([]crm.Record, 0, len(rows))
	for _, row := range rows {
		byName := make(map[string]json.RawMessage, len(row))
		for k, v := range row {
			byName[strings.ToLower(k)] = v
		}
		id := text(byName["id"])
		stamp, err := parseDatetime(text(byName["systemmodstamp"]))
		if id == "" || err != nil {
			return nil, &crm.Error{Service: service, Op: op, Class: crm.ClassUnavailable,
				Message: "query row without Id or SystemModstamp"}
		}
		rec := crm.Record{ID: id, ModifiedAt: stamp, Fields: make(map[string]string, len(fields))}
		for _, f := range fields {
			rec.Fields[f] = text(byName[strings.ToLower(f)])
		}
		out = append(out, rec)
	}
	return out, nil
}

// text renders a JSON value in the CRM's string encoding: strings as they are, null
// as "", numbers and booleans as written, compound values as their JSON.
func text(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	if t := strings.TrimSpace(string(raw)); t != "null" {
		return t
	}
	return ""
}

// parseDatetime reads Salesforce's "2024-03-01T09:15:02.000+0000" (or RFC 3339) at
// the second precision the org stores.
func parseDatetime(s string) (time.Time, error) {
	t, err := time.Parse("2006-01-02T15:04:05.000-0700", s)
	if err != nil {
		t, err = time.Parse(time.RFC3339Nano, s)
	}
	return t.UTC().Truncate(time.Second), err
}
