package salesforce

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/crm/internal/httpx"
)

// Write updates records through PATCH /composite/sobjects (allOrNone false,
// Sforce-Auto-Assign: FALSE so that assignment rules leave lead owners alone).
//
// Values go as the JSON types of their fields' describe types. A value the org could
// not deserialize would fail the whole request (400 JSON_PARSER_ERROR): Write
// refuses it for its record alone, as a FieldError, before sending; one that still
// fails the request (a stale describe) is the batch's invalid error.
//
// Salesforce saves or refuses each record as a whole. When a record is refused only
// for named fields of this patch (a restricted picklist, a length, an email, a
// read-only field), Write reports those fields as FieldErrors and sends the record's
// other fields once more, in one second call for the whole batch: a correctness split,
// not a transport retry, so that one bad value does not hold back the good ones.
//
// The collection answer carries no timestamp. The SystemModstamp of every written
// record is read back with one SOQL query per batch (Id IN …) and returned as
// ModifiedAt, so that the connector recognises its own write when it comes back as a
// change. Should that read fail, the writes stand and ModifiedAt stays zero.
func (c *Client) Write(ctx context.Context, object string, patches []crm.Patch) ([]crm.WriteResult, error) {
	return c.update(ctx, object, patches, true)
}

// update is Write; readBack asks for the SystemModstamp read-back, which callers that
// need no ModifiedAt (LinkCompany) spare.
func (c *Client) update(ctx context.Context, object string, patches []crm.Patch, readBack bool) ([]crm.WriteResult, error) {
	op := "update " + object
	if err := checkBatch(op, object, patches); err != nil {
		return nil, err
	}
	w := newWrite(op, object, patches)
	w.encode(c.fieldTypes(ctx, object))
	retry, err := c.saveBatch(ctx, w, w.sendable(), w.remaining)
	if err != nil {
		return nil, err
	}
	if len(retry) > 0 {
		// Failures of the second call are final; a batch error now fails only the
		// records it carried.
		if _, err := c.saveBatch(ctx, w, retry, w.remaining); err != nil {
			for _, i := range retry {
				w.results[i].Err = err
			}
		}
	}
	if readBack {
		c.readStamps(ctx, w)
	}
	w.finish()
	return w.results, nil
}

// write is the state of one Write call.
type write struct {
	op, object string
	patches    []crm.Patch
	body       []map[string]any // the patches' values as JSON types
	results    []crm.WriteResult
	written    []bool
}

func newWrite(op, object string, patches []crm.Patch) *write {
	w := &write{op: op, object: object, patches: patches, results: make([]crm.WriteResult, len(patches)),
		written: make([]bool, len(patches))}
	for i, p := range patches {
		w.results[i].RecordID = p.RecordID
	}
	return w
}

// encode converts every value to its field's JSON type (the describe types; nil:
// text). A value the org could not deserialize is refused here, for its record
// alone, instead of failing the whole request with JSON_PARSER_ERROR.
func (w *write) encode(types map[string]string) {
	w.body = make([]map[string]any, len(w.patches))
	for i, p := range w.patches {
		w.body[i] = make(map[string]any, len(p.Fields))
		for _, k := range slices.Sorted(maps.Keys(p.Fields)) {
			typ := types[strings.ToLower(k)]
			v, ok := encode(typ, p.Fields[k])
			if !ok {
				w.results[i].FieldErrors = append(w.results[i].FieldErrors, crm.FieldError{Field: k,
					Code: "JSON_PARSER_ERROR", Message: "not a " + typ + " value: Salesforce would refuse the whole request"})
				continue
			}
			w.body[i][k] = v
		}
	}
}

// sendable lists the records with fields left to send.
func (w *write) sendable() []int {
	var out []int
	for i := range w.patches {
		if len(w.remaining(i)) > 0 {
			out = append(out, i)
		}
	}
	return out
}

// remaining is a patch without the fields already refused.
func (w *write) remaining(i int) map[string]string {
	out := maps.Clone(w.patches[i].Fields)
	for _, fe := range w.results[i].FieldErrors {
		delete(out, fe.Field)
	}
	return out
}

type collectionRequest struct {
	AllOrNone bool             `json:"allOrNone"`
	Records   []map[string]any `json:"records"`
}

type saveResult struct {
	ID      string     `json:"id"`
	Success bool       `json:"success"`
	Errors  []apiError `json:"errors"`
}

// saveBatch sends the records at idx and files each answer; it returns the records
// that could go again without their refused fields (Write uses only the first call's).
func (c *Client) saveBatch(ctx context.Context, w *write, idx []int, fields func(int) map[string]string) ([]int, error) {
	if len(idx) == 0 {
		return nil, nil
	}
	in := collectionRequest{Records: make([]map[string]any, len(idx))}
	for j, i := range idx {
		rec := map[string]any{"attributes": map[string]string{"type": w.object}, "id": w.patches[i].RecordID}
		for k := range fields(i) {
			rec[k] = w.body[i][k] // nil clears the field
		}
		in.Records[j] = rec
	}
	var out []saveResult
	err := c.call(ctx, request{op: w.op, method: http.MethodPatch, path: c.dataPath("/composite/sobjects"),
		header: http.Header{"Sforce-Auto-Assign": {"FALSE"}}, in: in, out: &out})
	if ce, ok := errors.AsType[*crm.Error](err); ok && ce.Code == "JSON_PARSER_ERROR" {
		// The describe types no longer fit the org: the next write reads them again.
		c.types.drop(w.object)
	}
	if err != nil {
		return nil, err
	}
	var retry []int
	for j, i := range idx {
		if j >= len(out) {
			w.results[i].Err = &crm.Error{Service: service, Op: w.op, Class: crm.ClassUnavailable,
				Message: "Salesforce answered without a result for record " + w.patches[i].RecordID}
			continue
		}
		if out[j].Success {
			w.written[i] = true
			continue
		}
		if w.file(i, out[j].Errors) && len(w.remaining(i)) > 0 {
			retry = append(retry, i)
		}
	}
	return retry, nil
}

// file records a refused record. It reports whether every error named fields of the
// patch, so that the rest of the patch can be sent again.
func (w *write) file(i int, errs []apiError) bool {
	r := &w.results[i]
	p := w.patches[i]
	onlyFields := len(errs) > 0
	var recordErr *crm.Error
	for _, e := range errs {
		class := recordClass(e)
		named := fieldsOf(p, e.Fields)
		if class == crm.ClassInvalid && len(named) > 0 {
			for _, f := range named {
				r.FieldErrors = append(r.FieldErrors, crm.FieldError{Field: f, Code: e.code(), Message: e.Message})
			}
			continue
		}
		onlyFields = false
		if recordErr == nil {
			recordErr = &crm.Error{Service: service, Op: w.op, Class: class, Status: http.StatusOK,
				Code: e.code(), Message: httpx.Excerpt(e.Message)}
			if class == crm.ClassRateLimited {
				recordErr.RetryAfter = lockWait
			}
		}
	}
	if len(errs) == 0 {
		recordErr = &crm.Error{Service: service, Op: w.op, Class: crm.ClassUnavailable, Message: "record refused without a reason"}
	}
	if recordErr != nil { // never a typed nil in the error interface
		r.Err = recordErr
	}
	return onlyFields
}

// fieldsOf maps the fields an error names to the patch's own spelling.
func fieldsOf(p crm.Patch, names []string) []string {
	var out []string
	for _, n := range names {
		for k := range p.Fields {
			if strings.EqualFold(k, n) {
				out = append(out, k)
			}
		}
	}
	slices.Sort(out)
	return out
}

// finish turns refused fields into the record's classified error.
func (w *write) finish() {
	for i := range w.results {
		r := &w.results[i]
		if r.Err == nil && len(r.FieldErrors) > 0 {
			r.Err = fieldError(w.op, r.FieldErrors)
		}
		if r.Err == nil && !w.written[i] {
			r.Err = &crm.Error{Service: service, Op: w.op, Class: crm.ClassUnavailable, Message: "record not written"}
		}
	}
}

// fieldError summarises refused fields without their values, which may be personal
// data; the CRM's reasons stay in FieldErrors.
func fieldError(op string, fes []crm.FieldError) *crm.Error {
	parts := make([]string, len(fes))
	for i, fe := range fes {
		parts[i] = fe.Field + " (" + fe.Code + ")"
	}
	return &crm.Error{Service: service, Op: op, Class: crm.ClassInvalid, Status: http.StatusOK,
		Code: fes[0].Code, Message: "refused fields: " + strings.Join(parts, ", ")}
}

// readStamps fills ModifiedAt of written records from one SOQL query.
func (c *Client) readStamps(ctx context.Context, w *write) {
	var ids []string
	for i, ok := range w.written {
		if ok {
			ids = append(ids, w.patches[i].RecordID)
		}
	}
	if len(ids) == 0 {
		return
	}
	in, err := idIn(w.op, ids)
	if err != nil {
		return
	}
	recs, err := c.query(ctx, "read back "+w.object, "SELECT Id, SystemModstamp FROM "+w.object+" WHERE "+in, nil)
	if err != nil {
		return
	}
	stamps := make(map[string]time.Time, len(recs))
	for _, r := range recs {
		if idSyntax.MatchString(r.ID) {
			stamps[canonicalID(r.ID)] = r.ModifiedAt
		}
	}
	for i, ok := range w.written {
		if ok {
			w.results[i].ModifiedAt = stamps[canonicalID(w.patches[i].RecordID)]
		}
	}
}

// checkBatch refuses what Salesforce would refuse for the whole batch anyway, and
// names that could change the read-back query's shape.
func checkBatch(op, object string, patches []crm.Patch) error {
	fail := func(msg string) error {
		return &crm.Error{Service: service, Op: op, Class: crm.ClassInvalid, Message: msg}
	}
	if !nameSyntax.MatchString(object) {
		return fail("bad object name " + quote(object))
	}
	if len(patches) > batchSize {
		return fail("more than 200 patches in one batch")
	}
	seen := make(map[string]bool, len(patches))
	for _, p := range patches {
		if !idSyntax.MatchString(p.RecordID) {
			return fail("patch without a valid record id")
		}
		k := canonicalID(p.RecordID)
		if seen[k] {
			return fail("duplicate record id in one batch: " + p.RecordID)
		}
		seen[k] = true
	}
	return nil
}
