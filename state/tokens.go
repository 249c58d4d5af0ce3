package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// TokenStore keeps the OAuth refresh tokens that providers rotated, by account (see
// migration 0008). The state file's protections cover them: mode 0600, secure delete.
type TokenStore interface {
	// RefreshToken returns the token stored for account, "" when there is none.
	RefreshToken(ctx context.Context, account string) (string, error)
	// SaveRefreshToken stores token for account, replacing the one there.
	SaveRefreshToken(ctx context.Context, account, token string) error
}

var _ TokenStore = (*SQLite)(nil)

// RefreshToken returns the refresh token stored for account, "" when none. Errors
// never carry the token.
func (s *store) RefreshToken(ctx context.Context, account string) (string, error) {
	var token string
	err := s.r.QueryRowContext(ctx, `SELECT refresh_token FROM oauth_tokens WHERE account = ?`, account).Scan(&token)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("state: refresh token of %s: %w", account, err)
	}
	return token, nil
}

// SaveRefreshToken stores token for account; it is durable when it returns.
func (s *store) SaveRefreshToken(ctx context.Context, account, token string) error {
	if account == "" || token == "" {
		return errors.New("state: save refresh token: account and token are required")
	}
	err := s.write(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO oauth_tokens (account, refresh_token, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (account) DO UPDATE SET refresh_token = excluded.refresh_token, updated_at = excluded.updated_at`,
			account, token, toMS(s.now()))
		return err
	})
	if err != nil {
		return fmt.Errorf("state: save the refresh token of %s: %w", account, err)
	}
	return nil
}
