package state

import (
	"context"
	"fmt"
	"time"
)

// DroppedPruner prunes the provenance of records whose state was dropped.
type DroppedPruner interface {
	PruneDropped(ctx context.Context, pipeline, account, object string, before time.Time) (int, error)
}

var (
	_ DroppedPruner = (*SQLite)(nil)
	_ DroppedPruner = (*Postgres)(nil)
)

// pruneDroppedSQL deletes up to ?5 settled, unerased ledger rows of a pipeline's own
// object (?1 pipeline, ?2 account, ?3 object) written before ?4 whose record has no
// state in the pipeline any more. The pipeline's object is named because a people
// pipeline also writes its company records, which never have a state of their own
// (company_record): their rows are left alone.
const pruneDroppedSQL = `DELETE FROM ledger WHERE id IN (
	SELECT l.id FROM ledger l WHERE l.pipeline = ?1 AND l.crm_account = ?2 AND l.crm_object = ?3
		AND l.written_at < ?4 AND l.pending = 0 AND l.erased_at IS NULL
		AND NOT EXISTS (SELECT 1 FROM records r WHERE r.pipeline = l.pipeline
			AND r.crm_account = l.crm_account AND r.crm_id = l.crm_id)
	LIMIT ?5)`

// PruneDropped deletes the ledger rows written before before to records of object
// whose state pipeline dropped (PageCommit.Drop: the CRM deleted them, merged them
// away or purged them). Prune keeps the latest row of every field for ever, as
// overwrite_if_owned reads it; of a record that is gone, it is kept for the
// history's keep_ledger only, so that the state stays flat while the CRM's records
// come and go. Rows still pending and erased rows (ForgetPerson) stay.
func (s *store) PruneDropped(ctx context.Context, pipeline, account, object string, before time.Time) (int, error) {
	total := 0
	for {
		var n int
		err := s.write(ctx, func(tx *txn) error {
			var err error
			n, err = execCount(ctx, tx, pruneDroppedSQL, pipeline, account, object, toMS(before), pruneBatch)
			return err
		})
		if err != nil {
			return total, fmt.Errorf("state: prune the ledger of dropped records of %s: %w", pipeline, err)
		}
		total += n
		if n < pruneBatch {
			return total, nil
		}
	}
}
