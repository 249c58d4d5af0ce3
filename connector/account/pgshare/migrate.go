package pgshare

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// migrateLock is the advisory lock Migrate holds, so that replicas starting together
// do not race on the DDL ("leadshar").
const migrateLock int64 = 0x6c65616473686172

var schema = []string{
	`CREATE TABLE IF NOT EXISTS leadsync_share_bucket (
		name  text PRIMARY KEY,
		rate  double precision NOT NULL CHECK (rate > 0),
		burst integer NOT NULL CHECK (burst > 0),
		tat   timestamptz NOT NULL
	)`,
	`CREATE TABLE IF NOT EXISTS leadsync_share_window (
		name    text PRIMARY KEY,
		times   timestamptz[] NOT NULL,
		last_at timestamptz NOT NULL, -- the last take's time, and whether it was admitted
		last_ok boolean NOT NULL
	)`,
	`CREATE TABLE IF NOT EXISTS leadsync_share_booking (
		id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
		name       text NOT NULL,
		credits    integer NOT NULL CHECK (credits > 0),
		expires_at timestamptz NOT NULL
	)`,
	`CREATE INDEX IF NOT EXISTS leadsync_share_booking_name ON leadsync_share_booking (name, expires_at)`,
}

// Migrate creates the tables of the shared limits. It is idempotent and safe to run
// from several replicas at once.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrateLock); err != nil {
			return err
		}
		for _, stmt := range schema {
			if _, err := tx.Exec(ctx, stmt); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("migrate shared limits: %w", err)
	}
	return nil
}
