package connector

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/leadsync/leadsync/connector/config"
	"github.com/leadsync/leadsync/connector/signals"
	"github.com/leadsync/leadsync/crm"
	"github.com/leadsync/leadsync/state"
)

// optOutAction is lusha.opt_out's CRM action on eng's accounts; nil when the
// config asks for none.
func optOutAction(eng *Engine) signals.CRMAction {
	o := eng.Config.Lusha.OptOut
	if !o.Acts() {
		return nil
	}
	objects := map[string]string{} // pipeline → CRM object, for records the ledger does not name
	for _, p := range eng.Pipelines {
		objects[p.Name] = p.Object
	}
	return func(ctx context.Context, recs []state.PersonRecord) error {
		var errs []error
		for key, owned := range groupRecords(recs, objects) {
			if err := optOutRecords(ctx, eng, o, key, owned); err != nil {
				errs = append(errs, fmt.Errorf("%s %s: %w", key.account, key.object, err))
			}
		}
		return errors.Join(errs...)
	}
}

// target is one CRM account's object.
type target struct{ account, object string }

// groupRecords lists, per account and object, each record with the values leadsync
// owns there (none for records the ledger does not know).
func groupRecords(recs []state.PersonRecord, objects map[string]string) map[target]map[string]map[string]string {
	out := map[target]map[string]map[string]string{}
	for _, r := range recs {
		obj := r.Object
		if obj == "" {
			obj = objects[r.Pipeline]
		}
		if obj == "" {
			continue // a pipeline no longer configured: its object is unknown
		}
		k := target{r.Account, obj}
		if out[k] == nil {
			out[k] = map[string]map[string]string{}
		}
		owned := out[k][r.CRMID]
		if owned == nil {
			owned = map[string]string{}
			out[k][r.CRMID] = owned
		}
		maps.Copy(owned, r.Owned)
	}
	return out
}

// optOutRecords clears, on the records of one account's object, the fields whose
// value is still the one leadsync wrote, and sets the marker. Reading the values
// first keeps a human's later edit; repeating it changes nothing more.
func optOutRecords(ctx context.Context, eng *Engine, o config.OptOut, k target, owned map[string]map[string]string) error {
	lease, err := eng.Accounts.Use(ctx, k.account)
	if err != nil {
		return err
	}
	defer lease.Release()
	c := lease.CRM(k.account)
	ids := slices.Sorted(maps.Keys(owned))
	current := map[string]map[string]string{}
	if o.ClearOwnedFields {
		fields := map[string]bool{}
		for _, f := range owned {
			for name := range f {
				fields[name] = true
			}
		}
		if len(fields) > 0 {
			recs, err := c.Get(ctx, k.object, ids, slices.Sorted(maps.Keys(fields)))
			if err != nil {
				return err
			}
			for _, r := range recs {
				if !r.Deleted {
					current[r.ID] = r.Fields
				}
			}
		}
	}
	var patches []crm.Patch
	for _, id := range ids {
		fields := map[string]string{}
		for name, v := range owned[id] {
			if cur, ok := current[id][name]; ok && cur == v && v != "" {
				fields[name] = ""
			}
		}
		if o.Marker.Field != "" {
			fields[o.Marker.Field] = o.Marker.Value
		}
		if len(fields) > 0 {
			patches = append(patches, crm.Patch{RecordID: id, Fields: fields})
		}
	}
	return writePatches(ctx, c, k.object, patches)
}

// writePatches writes in the CRM's batch size and joins the records' failures.
func writePatches(ctx context.Context, c crm.Sink, object string, patches []crm.Patch) error {
	var errs []error
	for chunk := range slices.Chunk(patches, max(c.BatchSize(), 1)) {
		results, err := c.Write(ctx, object, chunk)
		if err != nil {
			return errors.Join(append(errs, err)...)
		}
		for _, r := range results {
			if r.Err != nil {
				errs = append(errs, fmt.Errorf("record %s: %w", r.RecordID, r.Err))
			}
		}
	}
	return errors.Join(errs...)
}
