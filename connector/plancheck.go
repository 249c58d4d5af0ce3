package connector

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/mapping"
)

// Change is one line of a dry run's plan: a mapped field of a record and what the
// run would do with it, or a record that would need Lusha and what that would cost.
type Change struct {
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

// loadSchema reads the object's live fields and checks the mapping against them. A
// field the CRM refuses (missing, read-only, wrong option) is never written: its
// decisions become invalid and the records wait, parked, for a mapping fix.
func (rn *run) loadSchema(ctx context.Context) error {
	s, err := rn.p.CRM.Schema(ctx, rn.p.Object)
	if err != nil {
		if rn.opts.DryRun {
			return fmt.Errorf("read the CRM's fields: %w", err)
		}
		rn.log.Warn("could not read the CRM's fields; writing unchecked", "err", err)
		return nil
	}
	rn.schema = &s
	err = rn.p.Mapping.CheckCRM(s)
	if errs, ok := errors.AsType[mapping.Errors](err); ok {
		rn.mappingErrs = errs
		rn.badFields = fieldsOf(rn.p.Mapping, errs)
	} else if err != nil {
		return err
	}
	return nil
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

// checkValue says why the CRM would refuse value in field, or "" when it fits.
func checkValue(fs crm.FieldSchema, value string) string {
	switch {
	case fs.ReadOnly || fs.Calculated:
		return "field is read-only in the CRM"
	case fs.MaxLength > 0 && utf8.RuneCountInString(value) > fs.MaxLength:
		return fmt.Sprintf("value is %d characters, the field holds %d", utf8.RuneCountInString(value), fs.MaxLength)
	// Reasons name no value: they are stored and shown, and values are personal data.
	case fs.Type == "enumeration" && len(fs.Options) > 0 && !slices.Contains(fs.Options, value):
		return "the value is not an option of the field"
	case fs.Type == "number":
		if _, err := strconv.ParseFloat(value, 64); err != nil {
			return "the value is not a number"
		}
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

// plan records a dry run's decisions for one record.
func (rn *run) planned(pl *plan) {
	if !rn.opts.DryRun {
		return
	}
	for _, d := range pl.decided {
		rn.addChange(Change{RecordID: pl.rec.ID, Field: d.Field, Action: d.Action, Old: d.Old, New: d.New, Reason: d.Reason})
	}
}

func (rn *run) addChange(c Change) {
	if len(rn.changes) < maxChanges {
		rn.changes = append(rn.changes, c)
	} else {
		rn.changesCut++
	}
}

// estimate is what buying a plan's answer would cost at list price: its share of a
// search (1 credit per 25), and each data point and company answer its fields need.
func estimate(pl *plan) int {
	credits := 1 // a search of one contact; in a batch of 25 it is shared
	for _, dp := range pl.reveal {
		credits += map[string]int{"emails": 1, "phones": 5}[dp]
	}
	if pl.company {
		credits++
	}
	return credits
}
