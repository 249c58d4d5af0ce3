package state

import (
	"context"
	"fmt"
)

// Enriched is one Lusha person or company whose data a pipeline wrote to a CRM
// object: what signal subscriptions watch.
type Enriched struct {
	Object  string // the CRM object of the records written (a person's, or a company's)
	LushaID string
	// Held says the pipeline still keeps the state of one of those records: a
	// record dropped since (deleted in the CRM, merged away) is no longer held.
	Held bool
}

// enrichedSQL reads the ledger, which keeps the last write of every field (the
// cache's answers expire): a forgotten person's rows have no Lusha id left.
const enrichedSQL = `SELECT l.crm_object, l.lusha_id,
	MAX(CASE WHEN EXISTS (SELECT 1 FROM records r WHERE r.pipeline = l.pipeline
		AND r.crm_account = l.crm_account AND r.crm_id = l.crm_id) THEN 1 ELSE 0 END)
	FROM ledger l WHERE l.pipeline = ? AND l.lusha_id <> '' AND l.erased_at IS NULL AND l.pending = 0
	GROUP BY l.crm_object, l.lusha_id ORDER BY l.crm_object, l.lusha_id`

// EnrichedBy lists the Lusha people and companies pipeline wrote, once each per
// CRM object, in a stable order.
func (s *store) EnrichedBy(ctx context.Context, pipeline string) ([]Enriched, error) {
	rows, err := s.r.QueryContext(ctx, enrichedSQL, pipeline)
	if err != nil {
		return nil, fmt.Errorf("state: enriched by %s: %w", pipeline, err)
	}
	defer rows.Close()
	var out []Enriched
	for rows.Next() {
		var e Enriched
		var held int
		if err := rows.Scan(&e.Object, &e.LushaID, &held); err != nil {
			return nil, fmt.Errorf("state: enriched by %s: %w", pipeline, err)
		}
		e.Held = held == 1
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("state: enriched by %s: %w", pipeline, err)
	}
	return out, nil
}
