package hubspot

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/leadsync/leadsync/crm"
)

// Write updates records through POST /crm/v3/objects/{object}/batch/update.
//
// HubSpot refuses a whole batch with 400 when any one value is invalid (unknown or
// read-only property, bad option, bad number or date), without saying which input
// failed. Write narrows such a refusal down: it drops the properties the answer pins
// on records (FieldErrors of class invalid) and sends the rest again, and where it
// cannot pin them it halves the batch, until every bad record stands alone and every
// good one is written. These calls are a correctness split, not a transport retry:
// without them one bad value would block 99 good records until the mapping changes.
// Other failures are the connector's to retry: the error, while nothing is written;
// after that, each unwritten record's error.
func (c *Client) Write(ctx context.Context, object string, patches []crm.Patch) ([]crm.WriteResult, error) {
	op := "update " + object
	if err := checkBatch(op, patches); err != nil {
		return nil, err
	}
	w := &write{op: op, path: "/crm/v3/objects/" + url.PathEscape(object) + "/batch/update",
		modifiedProp: modifiedProperty(object), patches: patches, rejected: map[string][]crm.FieldError{},
		written: map[string]simpleObject{}, failed: map[string]error{}}
	if err := c.writePart(ctx, w, clonePatches(patches)); err != nil {
		return nil, err
	}
	return w.results(), nil
}

// writePart writes pending and narrows a whole-batch 400 down. It returns an error only
// while nothing is written, so that the caller may retry the batch as a whole.
func (c *Client) writePart(ctx context.Context, w *write, pending []crm.Patch) error {
	pending = slices.DeleteFunc(pending, func(p crm.Patch) bool { return len(p.Fields) == 0 })
	if len(pending) == 0 {
		return nil
	}
	if w.stop != nil {
		w.fail(pending, w.stop)
		return nil
	}
	resp, err := c.batchUpdate(ctx, w, pending)
	if err == nil {
		w.record(resp, pending)
		return nil
	}
	if ae, ok := errors.AsType[*apiError](err); ok && ae.err.Status == http.StatusBadRequest && names(ae.body, pending) {
		return c.narrow(ctx, w, pending, ae)
	}
	return w.giveUp(pending, err)
}

// giveUp ends the call for pending: with err while nothing is written, so that the
// batch may be retried as a whole; after that with each unwritten record's error,
// since the rest cannot be retried as the same batch.
func (w *write) giveUp(pending []crm.Patch, err error) error {
	if len(w.written) == 0 {
		return err
	}
	w.stop = err
	w.fail(pending, err)
	return nil
}

// narrow handles a whole-batch refusal of pending: the properties it pins on records
// go, and the rest is sent again; when it pins nothing, each half is sent on its own.
// Every step drops a property or halves the batch, so it ends.
func (c *Client) narrow(ctx context.Context, w *write, pending []crm.Patch, ae *apiError) error {
	if rest, removed := w.isolate(ae.body, pending); removed {
		return c.writePart(ctx, w, rest)
	}
	if len(pending) == 1 {
		w.fail(pending, ae.err) // refused alone for nothing it carries
		return nil
	}
	half := len(pending) / 2
	if err := c.writePart(ctx, w, pending[:half]); err != nil {
		return err
	}
	return c.writePart(ctx, w, pending[half:])
}

func (c *Client) batchUpdate(ctx context.Context, w *write, patches []crm.Patch) (batchResponse, error) {
	var resp batchResponse
	if len(patches) == 0 {
		return resp, nil
	}
	in := batchUpdateRequest{Inputs: make([]batchInput, len(patches))}
	for i, p := range patches {
		in.Inputs[i] = batchInput{ID: p.RecordID, Properties: p.Fields}
	}
	err := c.call(ctx, w.op, http.MethodPost, w.path, in, &resp)
	return resp, err
}

// checkBatch refuses what HubSpot would refuse for the whole batch anyway.
func checkBatch(op string, patches []crm.Patch) error {
	if len(patches) > batchSize {
		return &crm.Error{Service: service, Op: op, Class: crm.ClassInvalid,
			Message: "more than 100 patches in one batch"}
	}
	seen := make(map[string]bool, len(patches))
	for _, p := range patches {
		if p.RecordID == "" {
			return &crm.Error{Service: service, Op: op, Class: crm.ClassInvalid, Message: "patch without a record id"}
		}
		if seen[p.RecordID] {
			return &crm.Error{Service: service, Op: op, Class: crm.ClassInvalid,
				Message: "duplicate record id in one batch: " + p.RecordID}
		}
		seen[p.RecordID] = true
	}
	return nil
}

func clonePatches(ps []crm.Patch) []crm.Patch {
	out := make([]crm.Patch, len(ps))
	for i, p := range ps {
		out[i] = crm.Patch{RecordID: p.RecordID, Fields: maps.Clone(p.Fields)}
	}
	return out
}

// write is the state of one Write call.
type write struct {
	op, path     string
	modifiedProp string
	patches      []crm.Patch
	rejected     map[string][]crm.FieldError // record id → refused fields
	written      map[string]simpleObject
	failed       map[string]error // record id → why it was not written
	// stop is a failure other than a refusal, met after some records were written:
	// the records not yet sent get it too.
	stop error
}

// record files one answered call: the records written, and the item errors of a 207.
func (w *write) record(resp batchResponse, sent []crm.Patch) {
	for _, o := range resp.Results {
		w.written[o.ID] = o
	}
	itemErrs := itemErrors(w.op, resp.Errors)
	for _, p := range sent {
		if _, ok := w.written[p.RecordID]; !ok && itemErrs.of(p.RecordID) != nil {
			w.failed[p.RecordID] = itemErrs.of(p.RecordID)
		}
	}
}

func (w *write) fail(ps []crm.Patch, err error) {
	for _, p := range ps {
		w.failed[p.RecordID] = err
	}
}

// results builds one result per patch, in the patches' order.
func (w *write) results() []crm.WriteResult {
	out := make([]crm.WriteResult, len(w.patches))
	for i, p := range w.patches {
		r := crm.WriteResult{RecordID: p.RecordID, FieldErrors: w.rejected[p.RecordID]}
		o, ok := w.written[p.RecordID]
		switch {
		case ok:
			r.ModifiedAt = o.modifiedAt(w.modifiedProp)
		case w.failed[p.RecordID] != nil:
			r.Err = w.failed[p.RecordID]
		case len(r.FieldErrors) > 0 && len(r.FieldErrors) >= len(p.Fields):
			// Every field was refused, so the record was not sent again.
		default:
			r.Err = &crm.Error{Service: service, Op: w.op, Class: crm.ClassUnavailable,
				Message: "HubSpot answered without a result for record " + p.RecordID}
		}
		if r.Err == nil && len(r.FieldErrors) > 0 {
			r.Err = fieldError(w.op, r.FieldErrors)
		}
		out[i] = r
	}
	return out
}

// fieldError summarises refused fields without their values, which may be personal
// data; the values' reasons stay in FieldErrors.
func fieldError(op string, fes []crm.FieldError) *crm.Error {
	parts := make([]string, len(fes))
	for i, fe := range fes {
		parts[i] = fe.Field + " (" + fe.Code + ")"
	}
	return &crm.Error{Service: service, Op: op, Class: crm.ClassInvalid, Status: http.StatusBadRequest,
		Code: fes[0].Code, Message: "refused fields: " + strings.Join(parts, ", ")}
}
