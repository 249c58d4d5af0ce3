package state

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// claimSQL takes a key that is free, expired or already owner's (then extending
// the claim); its WHERE leaves another owner's live claim untouched, and then no
// row changes.
const claimSQL = `INSERT INTO identity_claims (key, owner, expires_at) VALUES (?1, ?2, ?3)
	ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
	WHERE identity_claims.owner = excluded.owner OR identity_claims.expires_at <= ?4`

const dropClaimSQL = `DELETE FROM identity_claims WHERE key = ?`

// ClaimIdentities claims, in one immediate transaction, each key that is free,
// expired or already owner's, until now+ttl, and returns the keys owner now holds
// in the order given (each once). The others are being bought by another owner:
// wait for their answers rather than buy them again.
func (s *store) ClaimIdentities(ctx context.Context, owner string, keys []string, ttl time.Duration) ([]string, error) {
	if owner == "" || ttl <= 0 {
		return nil, fmt.Errorf("state: claim identities: owner %q and ttl %v: both are required", owner, ttl)
	}
	now := s.now()
	var claimed []string
	err := s.write(ctx, func(tx *txn) error {
		stmt, err := tx.stmt(ctx, claimSQL)
		if err != nil {
			return err
		}
		held := make(map[string]bool, len(keys))
		for _, key := range keys {
			if key == "" {
				return errors.New("empty key")
			}
			if held[key] {
				continue
			}
			res, err := stmt.ExecContext(ctx, key, owner, toMS(now.Add(ttl)), toMS(now))
			if err != nil {
				return fmt.Errorf("key %s: %w", key, err)
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n == 1 {
				held[key] = true
				claimed = append(claimed, key)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("state: claim identities for %s: %w", owner, err)
	}
	return claimed, nil
}

// ReleaseClaims gives up owner's claims on keys (say, when the purchase failed);
// keys that owner does not hold are left alone.
func (s *store) ReleaseClaims(ctx context.Context, owner string, keys []string) error {
	err := s.write(ctx, func(tx *txn) error {
		for _, key := range keys {
			if _, err := tx.ExecContext(ctx, `DELETE FROM identity_claims WHERE key = ? AND owner = ?`,
				key, owner); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("state: release claims of %s: %w", owner, err)
	}
	return nil
}

// dropClaims deletes the claims on the keys of saved answers, whoever made them.
func (s *store) dropClaims(ctx context.Context, tx *txn, es []Enrichment) error {
	if len(es) == 0 {
		return nil
	}
	stmt, err := tx.stmt(ctx, dropClaimSQL)
	if err != nil {
		return err
	}
	for _, e := range es {
		if _, err := stmt.ExecContext(ctx, e.Key); err != nil {
			return err
		}
	}
	return nil
}

// ClaimHolders returns, for the keys claimed now (unexpired), who holds each claim.
func (s *store) ClaimHolders(ctx context.Context, keys []string) (map[string]string, error) {
	out := map[string]string{}
	now := toMS(s.now())
	err := inChunks(keys, func(chunk []string) error {
		rows, err := s.r.QueryContext(ctx, `SELECT key, owner FROM identity_claims
			WHERE expires_at > ? AND key IN (`+marks(len(chunk))+`)`, append([]any{now}, anys(chunk)...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var key, owner string
			if err := rows.Scan(&key, &owner); err != nil {
				return err
			}
			out[key] = owner
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("state: claim holders: %w", err)
	}
	return out, nil
}
