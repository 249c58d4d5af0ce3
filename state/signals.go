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
