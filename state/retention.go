package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Retention bounds what the state keeps (the config's history section). Cached
// answers have their own TTL (PurgeExpired), and the retry queue ends the retries
// of records the CRM no longer has (they become done, not parked for ever).
type Retention struct {
	// KeepRuns keeps runs that started within it, with their field actions; older
	// finished runs go, except the latest run of each pipeline (the status shows
	// it). Credit log rows older than it go too, but never those of the current
	// UTC day, which the daily budget sums. Webhook deliveries processed before
	// it go from the inbox too (a delivery Lusha still retries is hours old).
	KeepRuns time.Duration
	// KeepLedger keeps every ledger row written within it. Older rows go, except
	// the latest settled row of each (CRM account, object, record, field), which
	// is what overwrite_if_owned reads (OwnedBy), and pending rows, which a
	// read-back still has to settle. Zero keeps only those.
	KeepLedger time.Duration
}

// PruneReport counts what Prune deleted and gave back.
type PruneReport struct {
	Runs         int
	FieldActions int
	Spend        int
	LedgerRows   int
	Inbox        int // processed webhook deliveries
	FreedPages   int // pages given back to the file system by incremental vacuum
}

var _ Pruner = (*SQLite)(nil)

// pruneBatch bounds the ledger rows deleted in one transaction, so that a first
// prune of a large ledger does not hold the writer for long.
const pruneBatch = 5000

// Prune deletes what r no longer keeps at now, then gives the freed pages back
// (Compact). Each step is its own short transaction on the writer.
func (s *store) Prune(ctx context.Context, r Retention, now time.Time) (PruneReport, error) {
	var rep PruneReport
	if r.KeepRuns <= 0 || r.KeepLedger < 0 {
		return rep, fmt.Errorf("state: prune: keep_runs %v must be positive and keep_ledger %v not negative",
			r.KeepRuns, r.KeepLedger)
	}
	runsBefore := toMS(now.Add(-r.KeepRuns))
	day := now.UTC().Truncate(24 * time.Hour)
	spendBefore := min(runsBefore, toMS(day))
	err := s.write(ctx, func(tx *txn) error {
		// The condition of old runs, the same in both statements of the transaction.
		const old = `started_at < ?1 AND status <> 'running' AND rowid <> (SELECT r2.rowid FROM runs r2
			WHERE r2.pipeline = runs.pipeline ORDER BY r2.started_at DESC, r2.rowid DESC LIMIT 1)`
		var err error
		if rep.FieldActions, err = execCount(ctx, tx, `DELETE FROM run_field_actions
			WHERE run_id IN (SELECT run_id FROM runs WHERE `+old+`)`, runsBefore); err != nil {
			return err
		}
		if rep.Runs, err = execCount(ctx, tx, `DELETE FROM runs WHERE `+old, runsBefore); err != nil {
			return err
		}
		if rep.Spend, err = execCount(ctx, tx, `DELETE FROM spend WHERE spent_at < ?`, spendBefore); err != nil {
			return err
		}
		rep.Inbox, err = execCount(ctx, tx, `DELETE FROM inbox WHERE status <> ? AND processed_at < ?`,
			InboxReceived, runsBefore)
		return err
	})
	if err != nil {
		return rep, fmt.Errorf("state: prune runs: %w", err)
	}
	ledgerBefore := toMS(now.Add(-r.KeepLedger))
	for {
		var n int
		err := s.write(ctx, func(tx *txn) error {
			var err error
			n, err = execCount(ctx, tx, pruneLedgerSQL, ledgerBefore, pruneBatch)
			return err
		})
		if err != nil {
			return rep, fmt.Errorf("state: prune ledger: %w", err)
		}
		rep.LedgerRows += n
		if n < pruneBatch {
			break
		}
	}
	rep.FreedPages, err = s.compact(ctx)
	return rep, err
}

// pruneLedgerSQL deletes up to ?2 settled rows written before ?1 that a later
// settled row of the same account, object, record and field supersedes (later by
// write time, then insertion order, as OwnedBy reads them). So the latest settled
// row of each field stays, whatever pending rows come after it: should a pending
// write be dropped unanswered, ownership falls back on that row.
const pruneLedgerSQL = `DELETE FROM ledger WHERE id IN (
	SELECT l.id FROM ledger l WHERE l.written_at < ?1 AND l.pending = 0 AND EXISTS (
		SELECT 1 FROM ledger n WHERE n.crm_account = l.crm_account AND n.crm_object = l.crm_object
			AND n.crm_id = l.crm_id AND n.field = l.field AND n.pending = 0
			AND (n.written_at > l.written_at OR (n.written_at = l.written_at AND n.id > l.id)))
	LIMIT ?2)`

func execCount(ctx context.Context, tx *txn, q string, args ...any) (int, error) {
	n, err := tx.exec(ctx, q, args...)
	return int(n), err
}

// Auto-vacuum modes (PRAGMA auto_vacuum).
const autoVacuumIncremental = 2

// Compact gives the file's free pages back to the file system and truncates the
// WAL. A file made before leadsync set auto_vacuum (which only takes effect on an
// empty file or through VACUUM) is converted once with a full VACUUM, which
// rewrites the file: it takes a while on a large file and, in WAL mode, needs as
// much free disk again. It returns how many pages were freed.
func (s *SQLite) Compact(ctx context.Context) (int, error) {
	var mode, before, after int
	if err := s.w.QueryRowContext(ctx, `PRAGMA auto_vacuum`).Scan(&mode); err != nil {
		return 0, fmt.Errorf("state: compact: %w", err)
	}
	if err := s.w.QueryRowContext(ctx, `PRAGMA page_count`).Scan(&before); err != nil {
		return 0, fmt.Errorf("state: compact: %w", err)
	}
	if mode != autoVacuumIncremental {
		// The one-time conversion: the new mode takes effect with the VACUUM.
		if _, err := s.w.ExecContext(ctx, `PRAGMA auto_vacuum = INCREMENTAL`); err != nil {
			return 0, fmt.Errorf("state: compact: %w", err)
		}
		if _, err := s.w.ExecContext(ctx, `VACUUM`); err != nil {
			return 0, fmt.Errorf("state: compact: convert to incremental vacuum: %w", err)
		}
	} else if err := incrementalVacuum(ctx, s.w.DB); err != nil {
		return 0, fmt.Errorf("state: compact: %w", err)
	}
	if err := s.w.QueryRowContext(ctx, `PRAGMA page_count`).Scan(&after); err != nil {
		return 0, fmt.Errorf("state: compact: %w", err)
	}
	return max(before-after, 0), s.Checkpoint(ctx)
}

// Checkpoint copies the WAL back into the file and truncates it to zero bytes, so
// that it stays small under a busy daemon (SQLite's automatic checkpoints reuse
// the WAL but never shrink it). A reader in the middle of a transaction keeps part
// of it: that is no error, the next checkpoint finishes the job.
func (s *SQLite) Checkpoint(ctx context.Context) error {
	if _, err := s.walCheckpoint(ctx); err != nil && !isBusy(err) {
		return fmt.Errorf("state: checkpoint: %w", err)
	}
	return nil
}

// walCheckpoint runs a TRUNCATE checkpoint; busy reports that readers kept part
// of the WAL.
func (s *SQLite) walCheckpoint(ctx context.Context) (busy bool, err error) {
	var b, walPages, moved int
	err = s.w.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&b, &walPages, &moved)
	return b != 0, err
}

// incrementalVacuum frees every free page: SQLite frees one per step of the
// statement, so its rows are read to the end (Exec would step once).
func incrementalVacuum(ctx context.Context, w *sql.DB) error {
	rows, err := w.QueryContext(ctx, `PRAGMA incremental_vacuum`)
	if err != nil {
		return err
	}
	for rows.Next() {
	}
	return errors.Join(rows.Err(), rows.Close())
}
