package run

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/mapping"
)

// Change is one line of a dry run's plan: a mapped field of a record and what the
// run would do with it, or a record that would need Lusha and what that would cost.
type Change struct {
	// Object is set on the lines of a people pipeline's company records (companies,
	// Account), whose ids may be a person's too.
	Object   string         `json:"object,omitempty"`
	RecordID string         `json:"record_id"`
	Field    string         `json:"field,omitempty"`
	Action   mapping.Action `json:"action"`
	Old      string         `json:"old,omitempty"`
	New      string         `json:"new,omitempty"`
	Reason   string         `json:"reason,omitempty"`
	Credits  int            `json:"credits,omitempty"` // estimate, for would_enrich
}

// ActionWouldEnrich marks a record a dry run would send to Lusha (no cached answer).
const ActionWouldEnrich mapping.Action = "would_enrich"

// maxChanges bounds a dry run's plan in memory; --limit narrows a larger one.
const maxChanges = 20000

// dryRun is what the mapper learned for the summary: decisions per field, a dry run's
// plan, and the mapping's problems against the live CRM fields. The mapper owns it.
type dryRun struct {
	actions     map[string]map[mapping.Action]int
	changes     []Change
	cut         int
	mappingErrs mapping.Errors
}

func (d *dryRun) add(c Change) {
	if len(d.changes) < maxChanges {
		d.changes = append(d.changes, c)
	} else {
		d.cut++
	}
}

// loadSchema reads the object's live fields and checks the mapping against them. A
// field the CRM refuses (missing, read-only, wrong option) is never written: its
// decisions become invalid and the records wait, parked, for a mapping fix.
func (rn *run) loadSchema(ctx context.Context) (error, error) {
	s, err := rn.p.CRM.Schema(ctx, rn.p.Object)
	if err != nil {
		if rn.opts.DryRun {
			return fmt.Errorf("read the CRM's fields: %w", err), nil
		}
		rn.log.Warn("could not read the CRM's fields; writing unchecked", "err", err)
		return nil, nil
	}
	rn.schema = &s
	err = rn.p.Mapping.CheckCRM(s)
	if errs, ok := errors.AsType[mapping.Errors](err); ok {
		rn.dry.mappingErrs = errs
		rn.badFields = fieldsOf(rn.p.Mapping, errs)
	} else if err != nil {
		return nil, err
	}
	return nil, nil
}

// fieldsOf maps positioned mapping errors to the target fields they are about.
func fieldsOf(m *mapping.Mapping, errs mapping.Errors) map[string]string {
	fields := m.Fields()
	slices.SortFunc(fields, func(a, b mapping.Field) int { return a.Line - b.Line })
	bad := map[string]string{}
	for _, e := range errs {
		owner := ""
		for _, f := range fields {
			if f.Line <= e.Line {
				owner = f.Name
			}
		}
		if owner != "" {
			bad[owner] = e.Msg
		}
	}
	return bad
}

// mapAll runs the mapping for every record that has an answer (the Mapper stage:
// mapping.Apply is pure).
func (rn *run) mapAll(recs []*Record) (enriched int) {
	for _, r := range recs {
		if !r.open() || !r.answered() {
			continue
		}
		enriched++
		res := rn.p.Mapping.Apply(mapping.Input{Current: r.rec.Fields, Owned: r.owned,
			Contact: r.contact, Company: anyOrNil(r.firm), Signal: rn.signalData(), Now: rn.now(), RunID: rn.id})
		rn.vet(res.Decisions, res.Patch)
		r.decided = res.Decisions
		rn.count(res.Decisions)
		if rn.opts.DryRun {
			for _, d := range r.decided {
				rn.dry.add(Change{RecordID: r.rec.ID, Field: d.Field, Action: d.Action, Old: d.Old, New: d.New, Reason: d.Reason})
			}
		}
		r.set(Enriched, crm.ClassNone, "")
		if len(res.Patch) == 0 || rn.opts.DryRun {
			r.patch = res.Patch // a dry run's: what would be written
			r.digest = rn.digest(r.rec.Fields, nil)
			if reason := invalidReasons(r.decided, nil); reason != "" {
				r.set(Parked, crm.ClassInvalid, reason)
			} else {
				r.set(Kept, crm.ClassNone, "")
			}
			continue
		}
		r.patch = res.Patch
	}
	return enriched
}

func (rn *run) count(decisions []mapping.Decision) {
	for _, d := range decisions {
		if rn.dry.actions == nil {
			rn.dry.actions = map[string]map[mapping.Action]int{}
		}
		if rn.dry.actions[d.Field] == nil {
			rn.dry.actions[d.Field] = map[mapping.Action]int{}
		}
		rn.dry.actions[d.Field][d.Action]++
	}
}

// anyOrNil keeps a nil map a nil interface, which the mapping reads as "no answer".
func anyOrNil(m map[string]any) any {
	if m == nil {
		return nil
	}
	return m
}

// invalidReasons explains why some fields of a record were not written: the mapping
// found their value invalid, or the CRM refused them (by code: the CRM's message may
// repeat the value, and values are personal data).
func invalidReasons(decided []mapping.Decision, fieldErrs []crm.FieldError) string {
	var reasons []string
	for _, d := range decided {
		if d.Action == mapping.ActionInvalid {
			reasons = append(reasons, fmt.Sprintf("%s: %s", d.Field, d.Reason))
		}
	}
	for _, fe := range fieldErrs {
		reasons = append(reasons, fmt.Sprintf("%s: refused by the CRM (%s)", fe.Field, fe.Code))
	}
	return strings.Join(reasons, "; ")
}

// checkValue says why the CRM would refuse value in field, or "" when it fits.
func checkValue(fs crm.FieldSchema, value string) string {
	switch {
	case fs.ReadOnly || fs.Calculated:
		return "field is read-only in the CRM"
	case fs.MaxLength > 0 && utf8.RuneCountInString(value) > fs.MaxLength:
		return fmt.Sprintf("value is %d characters, the field holds %d", utf8.RuneCountInString(value), fs.MaxLength)
	}
	// Reasons name no value: they are stored and shown, and values are personal data.
	// A value of the wrong type is refused here, before anything is sent: Salesforce
	// fails a whole write request over one (JSON_PARSER_ERROR), and each part of a
	// multi-select value must be an option.
	if why := mapping.Misfit(fs, value); why != "" {
		return "the value " + why
	}
	return ""
}

// vet turns write decisions the CRM would refuse into invalid ones before anything is
// sent, so that one bad field parks one record instead of failing a batch.
func (rn *run) vet(decisions []mapping.Decision, patch map[string]string) {
	for i, d := range decisions {
		if d.Action != mapping.ActionWrite {
			continue
		}
		reason, bad := rn.badFields[d.Field]
		if !bad && rn.schema != nil {
			if fs, ok := rn.schema.Fields[d.Field]; ok {
				reason = checkValue(fs, d.New)
			} else {
				reason = "field does not exist in the CRM"
			}
		}
		if reason != "" {
			decisions[i].Action, decisions[i].Reason = mapping.ActionInvalid, reason
			delete(patch, d.Field)
		}
	}
}

// wouldEnrich lists, in a dry run, the records that need Lusha and what that costs,
// and the fields of theirs the CRM would refuse.
func (rn *run) wouldEnrich(recs []*Record) {
	for _, r := range recs {
		if r.status != Deferred || r.answered() || r.class != crm.ClassNone {
			continue
		}
		rn.dry.add(Change{RecordID: r.rec.ID, Action: ActionWouldEnrich, Credits: rn.estimate(r),
			Reason: "no cached Lusha answer"})
		for _, f := range r.needs {
			if reason, bad := rn.badFields[f]; bad {
				rn.dry.add(Change{RecordID: r.rec.ID, Field: f, Action: mapping.ActionInvalid, Reason: reason})
			}
		}
	}
}
