package state

import (
	"context"
	"fmt"
	"slices"
)

// SignalWritten lists, sorted, the records among crmIDs that a pipeline's action on
// the signal signalID already wrote (a ledger row carries its id, pending rows
// included): acting on the signal again must leave them alone.
func (s *store) SignalWritten(ctx context.Context, pipeline, signalID string, crmIDs []string) ([]string, error) {
	var out []string
	err := inChunks(crmIDs, func(chunk []string) error {
		rows, err := s.r.QueryContext(ctx, `SELECT DISTINCT crm_id FROM ledger
			WHERE pipeline = ? AND signal_id = ? AND crm_id IN (`+marks(len(chunk))+`)`,
			append([]any{pipeline, signalID}, anys(chunk)...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			out = append(out, id)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("state: records written for signal %s: %w", signalID, err)
	}
	slices.Sort(out)
	return out, nil
}

// EntityRecords lists the record states, in every pipeline, whose identity's
// cached answer names the Lusha id lushaID (a person's, or the company a company
// pipeline's record was found as), sorted: the records a signal about that
// entity concerns.
func (s *store) EntityRecords(ctx context.Context, lushaID string) ([]PersonRecord, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT pipeline, crm_account, crm_id FROM records
		WHERE identity_key IN (SELECT key FROM enrichments WHERE lusha_id = ? AND key NOT LIKE 'company:%')`, lushaID)
	if err != nil {
		return nil, fmt.Errorf("state: records of %s: %w", lushaID, err)
	}
	defer rows.Close()
	var out []PersonRecord
	for rows.Next() {
		var r PersonRecord
		if err := rows.Scan(&r.Pipeline, &r.Account, &r.CRMID); err != nil {
			return nil, fmt.Errorf("state: records of %s: %w", lushaID, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("state: records of %s: %w", lushaID, err)
	}
	slices.SortFunc(out, cmpRecord)
	return out, nil
}
