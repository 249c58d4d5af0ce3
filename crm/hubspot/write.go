package hubspot

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"net/url"
	"strings"

	"github.com/leadsync/leadsync/crm"
)

// Write updates records through POST /crm/v3/objects/{object}/batch/update.
//
// HubSpot refuses a whole batch with 400 when any one value is invalid (unknown or
// read-only property, bad option, bad number or date). Write then drops the named
// fields from the records that carry them, reports them as FieldErrors of class
// invalid, and sends the rest of the batch once more. That second call is a
// correctness split, not a transport retry: without it one bad value would block 99
// good records until the mapping changes. Other failures are the connector's to
// retry and come back as the error.
func (c *Client) Write(ctx context.Context, object string, patches []crm.Patch) ([]crm.WriteResult, error) {
	op := "update " + object
	if err := checkBatch(op, patches); err != nil {
		return nil, err
	}
	w := &write{op: op, path: "/crm/v3/objects/" + url.PathEscape(object) + "/batch/update",
		modifiedProp: modifiedProperty(object), patches: patches, rejected: map[string][]crm.FieldError{}}
	pending := clonePatches(patches)
	resp, err := c.batchUpdate(ctx, w, pending)
	if ae, ok := errors.AsType[*apiError](err); ok && ae.err.Status == http.StatusBadRequest {
		var isolated bool
		pending, isolated = w.isolate(ae.body, pending)
		if !isolated {
			return nil, err
		}
		resp, err = c.batchUpdate(ctx, w, pending)
		if ae, ok := errors.AsType[*apiError](err); ok && ae.err.Status == http.StatusBadRequest {
			// The split did not find every bad value; no third call. Every record that
			// was still pending gets the refusal, with whatever fields it names.
			w.isolate(ae.body, pending)
			return w.results(batchResponse{}, pending, ae.err), nil
		}
	}
	if err != nil {
		return nil, err
	}
	return w.results(resp, nil, nil), nil
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
}

// results builds one result per patch, in the patches' order. failed lists the
// records still pending when the batch was refused for good (with batchErr).
func (w *write) results(resp batchResponse, failed []crm.Patch, batchErr *crm.Error) []crm.WriteResult {
	written := make(map[string]simpleObject, len(resp.Results))
	for _, o := range resp.Results {
		written[o.ID] = o
	}
	itemErrs := itemErrors(w.op, resp.Errors)
	refused := make(map[string]bool, len(failed))
	for _, p := range failed {
		refused[p.RecordID] = true
	}
	out := make([]crm.WriteResult, len(w.patches))
	for i, p := range w.patches {
		r := crm.WriteResult{RecordID: p.RecordID, FieldErrors: w.rejected[p.RecordID]}
		o, ok := written[p.RecordID]
		switch {
		case refused[p.RecordID]:
			r.Err = batchErr
		case ok:
			r.ModifiedAt = o.modifiedAt(w.modifiedProp)
		case len(r.FieldErrors) > 0 && len(r.FieldErrors) >= len(p.Fields):
			// Every field was refused, so the record was not sent again.
		case itemErrs.of(p.RecordID) != nil:
			r.Err = itemErrs.of(p.RecordID)
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
