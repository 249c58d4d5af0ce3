package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Suppressed reports whether key is on the suppression list.
func (s *store) Suppressed(ctx context.Context, key string) (bool, error) {
	var one int
	stmt, err := s.r.stmt(ctx, `SELECT 1 FROM suppressions WHERE key = ?`)
	if err != nil {
		return false, fmt.Errorf("state: suppressed %s: %w", key, err)
	}
	err = stmt.QueryRowContext(ctx, key).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("state: suppressed %s: %w", key, err)
	}
	return true, nil
}

// Suppress puts key on the suppression list; suppressing it again updates the
// reason and time.
func (s *store) Suppress(ctx context.Context, key, reason string, at time.Time) error {
	if key == "" {
		return errors.New("state: suppress: empty key")
	}
	return s.write(ctx, func(tx *txn) error {
		if err := suppress(ctx, tx, key, reason, orNow(at, s.now)); err != nil {
			return fmt.Errorf("state: suppress %s: %w", key, err)
		}
		return nil
	})
}

func suppress(ctx context.Context, tx *txn, key, reason string, at time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO suppressions (key, reason, suppressed_at) VALUES (?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET reason = excluded.reason, suppressed_at = excluded.suppressed_at`,
		key, reason, toMS(at))
	return err
}

// AnyPersonForgotten reports whether some Lusha person id is on the suppression list
// (see LushaKey): a run then searches before it buys, so that a forgotten person who
// comes back under a new identity is recognised by their id before anything is
// revealed. The key range uses the primary key's index.
func (s *store) AnyPersonForgotten(ctx context.Context) (bool, error) {
	var any bool
	err := s.r.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM suppressions WHERE key >= ? AND key < ?)`,
		LushaKey(""), "lusha;").Scan(&any)
	if err != nil {
		return false, fmt.Errorf("state: forgotten people: %w", err)
	}
	return any, nil
}
