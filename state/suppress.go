package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Suppressed reports whether key is on the suppression list.
func (s *SQLite) Suppressed(ctx context.Context, key string) (bool, error) {
	var one int
	stmt, err := s.rs.get(ctx, `SELECT 1 FROM suppressions WHERE key = ?`)
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
func (s *SQLite) Suppress(ctx context.Context, key, reason string, at time.Time) error {
	if key == "" {
		return errors.New("state: suppress: empty key")
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		if err := suppress(ctx, tx, key, reason, orNow(at, s.now)); err != nil {
			return fmt.Errorf("state: suppress %s: %w", key, err)
		}
		return nil
	})
}

func suppress(ctx context.Context, tx *sql.Tx, key, reason string, at time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO suppressions (key, reason, suppressed_at) VALUES (?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET reason = excluded.reason, suppressed_at = excluded.suppressed_at`,
		key, reason, toMS(at))
	return err
}

// ForgetReason is the suppression reason Forget records.
const ForgetReason = "forgotten"

// Forget erases one person in one transaction: the cached answer under key, the
// record states of crmIDs in every pipeline (deleted), and the old and new values
// of their ledger rows (set to NULL, with erased_at: the fact that leadsync wrote a
// field stays for the audit, the personal value goes). Then it suppresses key.
// The record states whose identity key is key count as crmIDs too. crmIDs carry no
// CRM object, so rows of every object with those ids are erased: erasing too much
// is the safe side.
func (s *SQLite) Forget(ctx context.Context, key string, crmIDs []string, at time.Time) error {
	if key == "" {
		return errors.New("state: forget: empty key")
	}
	at = orNow(at, s.now)
	err := s.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM enrichments WHERE key = ?`, key); err != nil {
			return err
		}
		ids, err := withIdentityIDs(ctx, tx, key, crmIDs)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, `DELETE FROM records WHERE crm_id = ?`, id); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE ledger SET old_value = NULL, new_value = NULL,
				erased_at = COALESCE(erased_at, ?) WHERE crm_id = ?`, toMS(at), id); err != nil {
				return err
			}
		}
		return suppress(ctx, tx, key, ForgetReason, at)
	})
	if err != nil {
		return fmt.Errorf("state: forget %s: %w", key, err)
	}
	// The WAL still holds the pages as they were before; copying them back into
	// the (secure_delete) file and truncating the WAL removes those old copies.
	var busy, walPages, moved int
	err = s.w.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &walPages, &moved)
	if err == nil && busy != 0 {
		err = errors.New("readers kept it busy")
	}
	if err != nil {
		return fmt.Errorf("state: forget %s: erased, but old copies may stay in the WAL until the next checkpoint: %w", key, err)
	}
	return nil
}

// withIdentityIDs adds to crmIDs the CRM ids of the records planned under key.
func withIdentityIDs(ctx context.Context, tx *sql.Tx, key string, crmIDs []string) ([]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT crm_id FROM records WHERE identity_key = ?`, key)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ids := slices.Clone(crmIDs)
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids, rows.Err()
}
