package state

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Enrichment returns the cached answer for key, or nil when there is none or it
// expired at now (ExpiresAt <= now).
func (s *store) Enrichment(ctx context.Context, key string, now time.Time) (*Enrichment, error) {
	var (
		e                = Enrichment{Key: key}
		revealed         string
		fetched, expires int64
	)
	stmt, err := s.r.stmt(ctx, `SELECT outcome, lusha_id, answer, revealed, credits, fetched_at, expires_at
		FROM enrichments WHERE key = ? AND expires_at > ?`)
	if err != nil {
		return nil, fmt.Errorf("state: enrichment %s: %w", key, err)
	}
	err = stmt.QueryRowContext(ctx, key, toMS(now)).Scan(&e.Outcome, &e.LushaID, &e.Answer, &revealed, &e.Credits, &fetched, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("state: enrichment %s: %w", key, err)
	}
	if err := json.Unmarshal([]byte(revealed), &e.Revealed); err != nil {
		return nil, fmt.Errorf("state: enrichment %s: revealed: %w", key, err)
	}
	if len(e.Revealed) == 0 {
		e.Revealed = nil
	}
	e.FetchedAt, e.ExpiresAt = fromMS(fetched), fromMS(expires)
	return &e, nil
}

// SaveEnrichments upserts the answers, deletes the identity claims on their keys
// (whoever holds them) and logs the call's credits, in one transaction: a waiter
// that finds no claim finds the answer. It is never fenced: an answer bought and
// its cost are facts, whoever holds a lease. A spend of 0 credits (a free search) adds no row: the spend table is
// a log of money, and CreditsSpent would not change. A zero Spend.At or FetchedAt
// is set to now.
func (s *store) SaveEnrichments(ctx context.Context, spend Spend, es []Enrichment) error {
	if spend.Credits < 0 {
		return fmt.Errorf("state: save enrichments: negative credits %d", spend.Credits)
	}
	now := s.now()
	err := s.write(ctx, func(tx *txn) error {
		if err := s.upsertEnrichments(ctx, tx, es, now); err != nil {
			return err
		}
		if err := s.dropClaims(ctx, tx, es); err != nil {
			return err
		}
		if spend.Credits == 0 {
			return nil
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO spend (pipeline, run_id, call, credits, spent_at)
			VALUES (?, ?, ?, ?, ?)`, spend.Pipeline, spend.RunID, spend.Call, spend.Credits,
			toMS(orNow(spend.At, s.now)))
		return err
	})
	if err != nil {
		return fmt.Errorf("state: save enrichments: %w", err)
	}
	return nil
}

func (s *store) upsertEnrichments(ctx context.Context, tx *txn, es []Enrichment, now time.Time) error {
	if len(es) == 0 {
		return nil
	}
	stmt, err := tx.stmt(ctx, upsertEnrichmentSQL)
	if err != nil {
		return err
	}
	for _, e := range es {
		if e.Key == "" || e.ExpiresAt.IsZero() {
			return errors.New("enrichment: key and expiry are required")
		}
		revealed, err := json.Marshal(e.Revealed)
		if err != nil {
			return err
		}
		if e.Revealed == nil {
			revealed = []byte("[]")
		}
		fetched := e.FetchedAt
		if fetched.IsZero() {
			fetched = now
		}
		if _, err := stmt.ExecContext(ctx, e.Key, e.Outcome, e.LushaID, e.Answer, string(revealed),
			e.Credits, toMS(fetched), toMS(e.ExpiresAt)); err != nil {
			return fmt.Errorf("enrichment %s: %w", e.Key, err)
		}
	}
	return nil
}

// CreditsSpent sums the credits spent at or after since, by pipeline or, when
// pipeline is "", by all.
func (s *store) CreditsSpent(ctx context.Context, pipeline string, since time.Time) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT COALESCE(SUM(credits), 0) FROM spend
		WHERE spent_at >= ? AND (? = '' OR pipeline = ?)`, toMS(since), pipeline, pipeline).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("state: credits spent: %w", err)
	}
	return n, nil
}

// PurgeExpired deletes the cached answers that Enrichment would no longer return at
// now (ExpiresAt <= now) and returns how many.
func (s *store) PurgeExpired(ctx context.Context, now time.Time) (int, error) {
	var n int64
	err := s.write(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM enrichments WHERE expires_at <= ?`, toMS(now))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("state: purge expired: %w", err)
	}
	return int(n), nil
}
