package hubspot

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/leadsync/leadsync/crm"
)

// Changes reads the records of req.Object modified since req.Since, oldest window
// first and by ascending hs_object_id inside a window (reference §11.5).
//
// A window is [lo, hi] on the modification date, where lo is the last completed
// window's end minus the overlap and hi is now minus the settle lag. Each search asks
// for hs_object_id above the highest id already seen, so no query ever pages deep:
// equal timestamps cannot loop and the 10,000-result cap is never reached. Offsets
// (paging.next.after) are used only to step over a page that came back empty, because
// an offset shifts when a record leaves the window between two requests and would
// then silently skip the record that moved into its place.
//
// Each page's cursor resumes right after it; the page that completes a window
// carries a cursor whose watermark is the window's end. Records near a window's start
// are read again by the next window (the overlap): the connector de-duplicates on
// (ID, ModifiedAt).
func (c *Client) Changes(ctx context.Context, req crm.ChangesRequest) iter.Seq2[crm.Page, error] {
	return func(yield func(crm.Page, error) bool) {
		r, err := c.newRead(req)
		if err != nil {
			yield(crm.Page{}, err)
			return
		}
		for !r.done {
			var resp searchResponse
			if err := c.call(ctx, r.op, http.MethodPost, r.path, r.request(), &resp); err != nil {
				yield(crm.Page{}, err)
				return
			}
			page, err := r.advance(resp)
			if err != nil {
				yield(crm.Page{}, err)
				return
			}
			if !yield(page, nil) {
				return
			}
		}
	}
}

// read is the state of one Changes call.
type read struct {
	op, path     string
	modifiedProp string
	fields       []string // what the caller asked for, in Record.Fields
	properties   []string // what the search asks for
	pushed       []filter // the caller's filter, pushed into the query
	local        []localCheck
	limit        int
	pos          position
	after        string // offset, only to step over an empty page
	seen         int    // records handed out so far, for Page.Total
	done         bool
}

// Search allows 6 filters in a group (the strictest documented limit); the window
// takes 3 of them.
const (
	maxFiltersPerGroup = 6
	windowFilters      = 3
)

func (c *Client) newRead(req crm.ChangesRequest) (*read, error) {
	op := "search " + req.Object
	if req.Object == "" {
		return nil, &crm.Error{Service: service, Op: op, Class: crm.ClassInvalid, Message: "no object named"}
	}
	pos, err := decodeCursor(req.Since)
	if err != nil {
		return nil, &crm.Error{Service: service, Op: op, Class: crm.ClassInvalid, Message: "bad cursor", Err: err}
	}
	r := &read{
		op:           op,
		path:         "/crm/v3/objects/" + url.PathEscape(req.Object) + "/search",
		modifiedProp: modifiedProperty(req.Object),
		fields:       slices.Clone(req.Fields),
		limit:        req.PageSize,
	}
	if r.limit <= 0 || r.limit > maxSearchLimit {
		r.limit = maxSearchLimit
	}
	r.pos = c.window(pos)
	r.done = r.pos.Lo > r.pos.Hi // nothing can have settled since the last window
	r.planFilters(req.Filter)
	r.properties = dedupe(append(append(slices.Clone(req.Fields), r.modifiedProp, "hs_object_id", "hs_merged_object_ids"),
		r.localFields()...))
	return r, nil
}

// window continues an unfinished window or opens the next one.
func (c *Client) window(p position) position {
	if p.inWindow() {
		if p.LastID == "" {
			p.LastID = "0"
		}
		return p
	}
	lo := int64(0)
	if p.Watermark > 0 {
		lo = max(p.Watermark-c.overlap.Milliseconds(), 0)
	}
	hi := c.now().Add(-c.settleLag).UnixMilli()
	return position{Watermark: p.Watermark, Lo: lo, Hi: hi, LastID: "0"}
}

// modifiedProperty is the object's modification-date property: contacts keep the
// legacy name, every other object (leads, companies) uses hs_lastmodifieddate.
func modifiedProperty(object string) string {
	switch object {
	case "contacts", "0-1":
		return "lastmodifieddate"
	}
	return "hs_lastmodifieddate"
}

func (r *read) request() searchRequest {
	filters := append([]filter{
		{PropertyName: r.modifiedProp, Operator: "GTE", Value: strconv.FormatInt(r.pos.Lo, 10)},
		{PropertyName: r.modifiedProp, Operator: "LTE", Value: strconv.FormatInt(r.pos.Hi, 10)},
		{PropertyName: "hs_object_id", Operator: "GT", Value: r.pos.LastID},
	}, r.pushed...)
	return searchRequest{
		FilterGroups: []filterGroup{{Filters: filters}},
		Sorts:        []string{"hs_object_id"},
		Properties:   r.properties,
		Limit:        r.limit,
		After:        cmpOrString(r.after, "0"),
	}
}

// advance turns one search answer into a page and moves the read forward.
func (r *read) advance(resp searchResponse) (crm.Page, error) {
	page := crm.Page{Total: -1, Records: make([]crm.Record, 0, len(resp.Results))}
	if resp.Total != nil {
		page.Total = r.seen + *resp.Total
	}
	maxID, maxNum := r.pos.LastID, parseID(r.pos.LastID)
	for _, o := range resp.Results {
		id := cmpOrString(o.ID, o.prop("hs_object_id"))
		if n := parseID(id); n > maxNum {
			maxID, maxNum = id, n
		}
		rec := r.record(id, o)
		if r.keep(rec, o) {
			page.Records = append(page.Records, rec)
		}
	}
	r.seen += len(resp.Results)
	last, after, done, err := keysetStep(r.op, resp, r.pos.LastID, maxID, r.limit)
	switch {
	case err != nil:
		return crm.Page{}, err
	case done:
		r.done = true
		page.Next = position{Watermark: r.pos.Hi}.encode()
		return page, nil
	}
	r.pos.LastID, r.after = last, after
	page.Next = r.pos.encode()
	return page, nil
}

// keysetStep is where a search that asks for hs_object_id above lastID goes after one
// answer whose highest id is maxID: past maxID from offset 0; over an empty page that
// still names a next page, by that offset, while it stays under the 10,000 cap; done
// when no page follows (reference §4.1, §11.5).
func keysetStep(op string, resp searchResponse, lastID, maxID string, limit int) (nextLastID, after string, done bool, err error) {
	next, more := resp.nextAfter()
	switch {
	case !more:
		return lastID, "", true, nil
	case len(resp.Results) > 0:
		if parseID(maxID) <= parseID(lastID) {
			// The query asks for ids above lastID; an answer without one ignored it,
			// and following it would never end.
			return "", "", false, &crm.Error{Service: service, Op: op, Class: crm.ClassUnavailable,
				Message: "search answered no record past the last id read (" + lastID + ")"}
		}
		return maxID, "", false, nil
	}
	off, convErr := strconv.Atoi(next)
	if convErr != nil || off+limit > searchResultCap {
		return "", "", false, &crm.Error{Service: service, Op: op, Class: crm.ClassUnavailable,
			Message: "search keeps answering empty pages with a next page (after=" + next + ")"}
	}
	return lastID, next, false, nil
}

func (r *read) record(id string, o simpleObject) crm.Record {
	rec := crm.Record{ID: id, Fields: make(map[string]string, len(r.fields)), ModifiedAt: o.modifiedAt(r.modifiedProp)}
	for _, f := range r.fields {
		rec.Fields[f] = o.prop(f)
	}
	for m := range strings.SplitSeq(o.prop("hs_merged_object_ids"), ";") {
		if m = strings.TrimSpace(m); m != "" && m != id {
			rec.MergedIDs = append(rec.MergedIDs, m)
		}
	}
	return rec
}

// parseID orders numeric ids; HubSpot ids are numeric strings. A non-numeric id
// sorts first, so it never moves the read backwards.
func parseID(id string) uint64 {
	n, _ := strconv.ParseUint(id, 10, 64)
	return n
}

func dedupe(names []string) []string {
	seen := make(map[string]bool, len(names))
	out := names[:0]
	for _, n := range names {
		if n != "" && !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

func cmpOrString(s, fallback string) string {
	if s != "" {
		return s
	}
	return fallback
}
