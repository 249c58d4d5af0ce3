package state

import (
	"context"
	"errors"
	"fmt"
)

// MergeRecords moves what the store keeps under the merged CRM ids of one account
// onto the survivor, in one transaction, once the CRM merged those records into
// it: their ledger rows of crmObject, pending ones included (so ownership and
// unsettled writes follow the person), and their record states in every pipeline
// of the account. A pipeline where the survivor has a state keeps it; one where it
// has none takes the first merged id's. The merged ids' states then go.
// Record states carry no CRM object, so those of the account's other objects with
// the merged ids go too: CRM ids are unique per account in practice, and a state
// lost is only a record handled again.
func (s *store) MergeRecords(ctx context.Context, account, crmObject, survivor string, merged []string) error {
	if crmObject == "" || survivor == "" {
		return errors.New("state: merge records: CRM object and survivor are required")
	}
	err := s.write(ctx, func(tx *txn) error {
		for _, id := range merged {
			if id == survivor {
				continue
			}
			if _, err := tx.ExecContext(ctx, `UPDATE ledger SET crm_id = ?1
				WHERE crm_account = ?2 AND crm_object = ?3 AND crm_id = ?4`, survivor, account, crmObject, id); err != nil {
				return err
			}
			// NOT EXISTS leaves the rows of pipelines where the survivor has a state.
			if _, err := tx.ExecContext(ctx, `UPDATE records SET crm_id = ?1
				WHERE crm_account = ?2 AND crm_id = ?3 AND NOT EXISTS (SELECT 1 FROM records s
					WHERE s.pipeline = records.pipeline AND s.crm_account = ?2 AND s.crm_id = ?1)`,
				survivor, account, id); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM records WHERE crm_account = ? AND crm_id = ?`,
				account, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("state: merge %s %v into %s: %w", crmObject, merged, survivor, err)
	}
	return nil
}
