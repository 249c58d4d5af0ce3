package state

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"
)

// FieldActions counts, per target field and mapping action (write, keep_filled,
// no_value…), the decisions of one run; FinishRun stores them with the run.
type FieldActions map[string]map[string]int

// ActionCounts converts a run summary's per-field decisions, keyed by any string
// type (mapping.Action), into FieldActions.
func ActionCounts[A ~string](m map[string]map[A]int) FieldActions {
	if m == nil {
		return nil
	}
	out := make(FieldActions, len(m))
	for field, acts := range m {
		out[field] = make(map[string]int, len(acts))
		for a, n := range acts {
			out[field][string(a)] += n
		}
	}
	return out
}

// DayCredits is the credits spent in one UTC day.
type DayCredits struct {
	Day     time.Time // midnight UTC
	Credits int
}

// saveFieldActions replaces the stored field actions of a run.
func saveFieldActions(ctx context.Context, ex execer, runID string, fa FieldActions) error {
	if _, err := ex.exec(ctx, `DELETE FROM run_field_actions WHERE run_id = ?`, runID); err != nil {
		return err
	}
	for _, field := range slices.Sorted(maps.Keys(fa)) {
		for _, action := range slices.Sorted(maps.Keys(fa[field])) {
			n := fa[field][action]
			if n <= 0 {
				continue
			}
			if _, err := ex.exec(ctx, `INSERT INTO run_field_actions (run_id, field, action, n)
				VALUES (?, ?, ?, ?)`, runID, field, action, n); err != nil {
				return err
			}
		}
	}
	return nil
}

// FieldActionsOf sums the stored field actions of the runs of pipeline (not dry
// runs) started at or after since; an empty map when there are none.
func (s *store) FieldActionsOf(ctx context.Context, pipeline string, since time.Time) (FieldActions, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT a.field, a.action, SUM(a.n)
		FROM run_field_actions a JOIN runs r ON r.run_id = a.run_id
		WHERE r.pipeline = ? AND r.dry_run = 0 AND r.started_at >= ?
		GROUP BY a.field, a.action`, pipeline, toMS(since))
	if err != nil {
		return nil, fmt.Errorf("state: field actions of %s: %w", pipeline, err)
	}
	defer rows.Close()
	out := FieldActions{}
	for rows.Next() {
		var field, action string
		var n int
		if err := rows.Scan(&field, &action, &n); err != nil {
			return nil, fmt.Errorf("state: field actions of %s: %w", pipeline, err)
		}
		if out[field] == nil {
			out[field] = map[string]int{}
		}
		out[field][action] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("state: field actions of %s: %w", pipeline, err)
	}
	return out, nil
}

// CreditsByDay sums the credits spent per UTC day from since's day on (all
// pipelines when pipeline is ""), oldest first; days without spend are absent.
func (s *store) CreditsByDay(ctx context.Context, pipeline string, since time.Time) ([]DayCredits, error) {
	const day = int64(24 * time.Hour / time.Millisecond)
	from := toMS(since.UTC().Truncate(24 * time.Hour))
	rows, err := s.r.QueryContext(ctx, `SELECT spent_at / ? AS d, SUM(credits) FROM spend
		WHERE spent_at >= ? AND (? = '' OR pipeline = ?)
		GROUP BY d ORDER BY d`, day, from, pipeline, pipeline)
	if err != nil {
		return nil, fmt.Errorf("state: credits by day: %w", err)
	}
	defer rows.Close()
	var out []DayCredits
	for rows.Next() {
		var d int64
		var n int
		if err := rows.Scan(&d, &n); err != nil {
			return nil, fmt.Errorf("state: credits by day: %w", err)
		}
		out = append(out, DayCredits{Day: fromMS(d * day), Credits: n})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("state: credits by day: %w", err)
	}
	return out, nil
}
