package state

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// BatchReader answers the per-record lookups of planning for a whole page at once:
// one query per page instead of one per record. Each method returns what calling its
// single-key counterpart for every key would (Enrichment, Suppressed, Owned), keyed
// by key or CRM id; keys with nothing to return are absent.
type BatchReader interface {
	Enrichments(ctx context.Context, keys []string, now time.Time) (map[string]*Enrichment, error)
	SuppressedMany(ctx context.Context, keys []string) (map[string]bool, error)
	// Deprecated: use Store.OwnedBy.
	OwnedMany(ctx context.Context, crmObject string, crmIDs []string) (map[string]map[string]string, error)
}

var _ BatchReader = (*SQLite)(nil)

// Enrichments returns the cached answers under keys that have not expired at now.
func (s *store) Enrichments(ctx context.Context, keys []string, now time.Time) (map[string]*Enrichment, error) {
	out := make(map[string]*Enrichment, len(keys))
	err := inChunks(keys, func(chunk []string) error {
		rows, err := s.r.QueryContext(ctx, `SELECT key, outcome, lusha_id, answer, revealed, credits, fetched_at, expires_at
			FROM enrichments WHERE expires_at > ? AND key IN (`+marks(len(chunk))+`)`,
			append([]any{toMS(now)}, anys(chunk)...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			e, err := scanEnrichment(rows)
			if err != nil {
				return err
			}
			out[e.Key] = e
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("state: enrichments of %d keys: %w", len(keys), err)
	}
	return out, nil
}

func scanEnrichment(rows *sql.Rows) (*Enrichment, error) {
	var (
		e                Enrichment
		revealed         string
		fetched, expires int64
	)
	if err := rows.Scan(&e.Key, &e.Outcome, &e.LushaID, &e.Answer, &revealed, &e.Credits, &fetched, &expires); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(revealed), &e.Revealed); err != nil {
		return nil, fmt.Errorf("enrichment %s: revealed: %w", e.Key, err)
	}
	if len(e.Revealed) == 0 {
		e.Revealed = nil
	}
	e.FetchedAt, e.ExpiresAt = fromMS(fetched), fromMS(expires)
	return &e, nil
}

// SuppressedMany returns the keys that are on the suppression list, each mapped to
// true.
func (s *store) SuppressedMany(ctx context.Context, keys []string) (map[string]bool, error) {
	out := map[string]bool{}
	err := inChunks(keys, func(chunk []string) error {
		rows, err := s.r.QueryContext(ctx, `SELECT key FROM suppressions WHERE key IN (`+marks(len(chunk))+`)`,
			anys(chunk)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var key string
			if err := rows.Scan(&key); err != nil {
				return err
			}
			out[key] = true
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("state: suppressed of %d keys: %w", len(keys), err)
	}
	return out, nil
}

// OwnedMany is OwnedBy for the CRM account "".
//
// Deprecated: use OwnedBy: ownership must not cross CRM accounts.
func (s *store) OwnedMany(ctx context.Context, crmObject string, crmIDs []string) (map[string]map[string]string, error) {
	return s.OwnedBy(ctx, "", crmObject, crmIDs)
}

// OwnedBy returns, per CRM id of one account and object that has at least one
// owned field, the value of each field's latest ledger row (by write time, then
// insertion order). A field whose latest row was erased by Forget is absent:
// leadsync can no longer prove what it wrote there. A value written in one account
// proves nothing in another, whose ids collide.
func (s *store) OwnedBy(ctx context.Context, account, crmObject string, crmIDs []string) (map[string]map[string]string, error) {
	out := map[string]map[string]string{}
	err := inChunks(crmIDs, func(chunk []string) error {
		rows, err := s.r.QueryContext(ctx, `SELECT crm_id, field, new_value FROM ledger
			WHERE crm_account = ? AND crm_object = ? AND crm_id IN (`+marks(len(chunk))+`)
			ORDER BY crm_id, field, written_at, id`, append([]any{account, crmObject}, anys(chunk)...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				id, field string
				value     sql.NullString
			)
			if err := rows.Scan(&id, &field, &value); err != nil {
				return err
			}
			owned := out[id]
			if owned == nil {
				owned = map[string]string{}
				out[id] = owned
			}
			if value.Valid {
				owned[field] = value.String // later rows overwrite earlier ones
			} else {
				delete(owned, field)
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("state: owned fields of %d %s: %w", len(crmIDs), crmObject, err)
	}
	for id, owned := range out {
		if len(owned) == 0 {
			delete(out, id) // every field erased by Forget: nothing is provably ours
		}
	}
	return out, nil
}

// inChunks calls fn with keys in slices of at most recordsChunk, so that no query
// binds more variables than old SQLite builds allow.
func inChunks(keys []string, fn func([]string) error) error {
	for start := 0; start < len(keys); start += recordsChunk {
		if err := fn(keys[start:min(start+recordsChunk, len(keys))]); err != nil {
			return err
		}
	}
	return nil
}

// marks is n comma-separated placeholders.
func marks(n int) string { return strings.Repeat(", ?", n)[2:] }

func anys(keys []string) []any {
	out := make([]any, len(keys))
	for i, k := range keys {
		out[i] = k
	}
	return out
}
