package state

import (
	"context"
	"errors"
	"fmt"
)

// An empty string literal, not a parameter, lets SQLite use the partial index
// ledger_unassigned. NOT EXISTS (UPDATE OR IGNORE, portably) skips a record that
// has a row under the account.
const (
	assignRecordsSQL = `UPDATE records SET crm_account = ?1 WHERE pipeline = ?2 AND crm_account = ''
		AND NOT EXISTS (SELECT 1 FROM records a
			WHERE a.pipeline = ?2 AND a.crm_account = ?1 AND a.crm_id = records.crm_id)`
	assignLedgerSQL = `UPDATE ledger SET crm_account = ?1 WHERE pipeline = ?2 AND crm_account = ''`
)

// AssignAccount gives the record and ledger rows of pipeline that have no CRM
// account (written before accounts were kept, or by a caller of the deprecated
// methods) the account, and returns how many rows it gave it. Where a record has
// a row under account already, that row stays and the row without an account
// goes: the former was written by an account-aware caller, so it is the later.
// It is cheap when there is nothing to do: both lookups go through an index.
func (s *store) AssignAccount(ctx context.Context, pipeline, account string) (int, error) {
	if pipeline == "" || account == "" {
		return 0, errors.New("state: assign account: pipeline and account are required")
	}
	var n int64
	err := s.write(ctx, func(tx *txn) error {
		for _, q := range []string{assignRecordsSQL, assignLedgerSQL} {
			res, err := tx.ExecContext(ctx, q, account, pipeline)
			if err != nil {
				return err
			}
			changed, err := res.RowsAffected()
			if err != nil {
				return err
			}
			n += changed
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM records WHERE pipeline = ? AND crm_account = ''`, pipeline)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("state: assign account %s to %s: %w", account, pipeline, err)
	}
	return int(n), nil
}
