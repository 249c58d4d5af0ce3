package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

// Migrate brings River's schema (river_job, river_leader, ...) up to date, for
// `leadsync migrate`.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	m, err := rivermigrate.New(riverpgxv5.New(pool), &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return fmt.Errorf("cluster: migrate: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("cluster: migrate: %w", err)
	}
	return nil
}

// Leader is the replica that leads (enqueues the ticks, rescues stuck jobs), or ""
// while none is elected.
func (c *Cluster) Leader(ctx context.Context) (string, error) { return LeaderOf(ctx, c.pool) }

// LeaderOf reads the cluster's leader from the database, for a process that is no
// replica (`leadsync status`).
func LeaderOf(ctx context.Context, pool *pgxpool.Pool) (string, error) {
	var id string
	err := pool.QueryRow(ctx, `SELECT leader_id FROM river_leader WHERE expires_at > now()`).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("cluster: leader: %w", err)
	}
	return id, nil
}

// Tick is a tick job as the status page shows it: which replica ran which pipeline's
// tick, and how it ended.
type Tick struct {
	JobID       int64
	Pipeline    string
	State       string // River's: available, running, completed, retryable, ...
	Attempt     int
	Replica     string    // the replica of the last attempt ("" before any)
	ScheduledAt time.Time // the tick it was enqueued for
	AttemptedAt time.Time // zero before any attempt
	FinalizedAt time.Time // zero until it ends
	Errors      []string  // its attempts' errors, oldest first
}

// Ticks are the latest tick jobs, newest first, at most limit (River lists 1 to 10,000;
// a limit out of that range is brought into it).
func (c *Cluster) Ticks(ctx context.Context, limit int) ([]Tick, error) {
	return ticks(ctx, c.client, limit)
}

// TicksOf lists the latest tick jobs for a process that is no replica, through a
// client that only reads.
func TicksOf(ctx context.Context, pool *pgxpool.Pool, limit int) ([]Tick, error) {
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return nil, fmt.Errorf("cluster: %w", err)
	}
	return ticks(ctx, client, limit)
}

// TickCounts counts the tick jobs by River state (available, running, completed, ...).
func TickCounts(ctx context.Context, pool *pgxpool.Pool) (map[string]int, error) {
	rows, err := pool.Query(ctx, `SELECT state::text, count(*) FROM river_job WHERE kind = $1 GROUP BY 1`, TickKind)
	if err != nil {
		return nil, fmt.Errorf("cluster: tick counts: %w", err)
	}
	counts := map[string]int{}
	var state string
	var n int
	_, err = pgx.ForEachRow(rows, []any{&state, &n}, func() error {
		counts[state] = n
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("cluster: tick counts: %w", err)
	}
	return counts, nil
}

func ticks(ctx context.Context, client *river.Client[pgx.Tx], limit int) ([]Tick, error) {
	limit = min(max(limit, 1), 10_000)
	res, err := client.JobList(ctx, river.NewJobListParams().Kinds(TickKind).First(limit).
		OrderBy(river.JobListOrderByID, river.SortOrderDesc))
	if err != nil {
		return nil, fmt.Errorf("cluster: ticks: %w", err)
	}
	ticks := make([]Tick, 0, len(res.Jobs))
	for _, j := range res.Jobs {
		t := Tick{JobID: j.ID, State: string(j.State), Attempt: j.Attempt, ScheduledAt: j.ScheduledAt}
		var args TickArgs
		if err := json.Unmarshal(j.EncodedArgs, &args); err != nil {
			return nil, fmt.Errorf("cluster: tick %d: %w", j.ID, err)
		}
		t.Pipeline = args.Pipeline
		if n := len(j.AttemptedBy); n > 0 {
			t.Replica = j.AttemptedBy[n-1]
		}
		if j.AttemptedAt != nil {
			t.AttemptedAt = *j.AttemptedAt
		}
		if j.FinalizedAt != nil {
			t.FinalizedAt = *j.FinalizedAt
		}
		for _, e := range j.Errors {
			t.Errors = append(t.Errors, e.Error)
		}
		ticks = append(ticks, t)
	}
	return ticks, nil
}
