package state

// The statements the writer runs per record or per page, prepared once when the
// store opens (see stmtCache): the writer has a single connection, so a statement
// prepared lazily inside a transaction could only be prepared on that transaction.
const (
	// The WHERE guards the one transition SQL must refuse, River-style: a record
	// whose write has an unknown outcome changes only in a recovery commit (the
	// last parameter), whatever a stale or careless caller sends.
	upsertRecordSQL = `INSERT INTO records (` + recordColumns + `)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (pipeline, crm_account, crm_id) DO UPDATE SET
			status = excluded.status, class = excluded.class, reason = excluded.reason,
			attempts = excluded.attempts, next_attempt = excluded.next_attempt,
			seen_modified_at = excluded.seen_modified_at, seen_digest = excluded.seen_digest,
			identity_key = excluded.identity_key, updated_at = excluded.updated_at
		WHERE records.status <> 'unknown' OR ? = 1`
	insertLedgerSQL = `INSERT INTO ledger (run_id, pipeline, crm_account, crm_object, crm_id, field,
		old_value, new_value, source_path, lusha_id, written_at, pending, signal_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	// A record stored as 'unknown' keeps its write-ahead rows: they are the only
	// trace of values the CRM may hold (I6) until a read-back settles them.
	settlePendingSQL = `DELETE FROM ledger
		WHERE pipeline = ?1 AND crm_account = ?2 AND crm_id = ?3 AND pending = 1
		AND NOT EXISTS (SELECT 1 FROM records WHERE records.pipeline = ?1
			AND records.crm_account = ?2 AND records.crm_id = ?3 AND records.status = 'unknown')`
	// A record whose CRM record is gone leaves the records table, unless a write to
	// it has an unknown outcome: its read-back decides.
	dropRecordSQL = `DELETE FROM records
		WHERE pipeline = ? AND crm_account = ? AND crm_id = ? AND status <> 'unknown'`
	upsertEnrichmentSQL = `INSERT INTO enrichments
		(key, outcome, lusha_id, answer, revealed, credits, fetched_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET outcome = excluded.outcome, lusha_id = excluded.lusha_id,
			answer = excluded.answer, revealed = excluded.revealed, credits = excluded.credits,
			fetched_at = excluded.fetched_at, expires_at = excluded.expires_at`
	upsertCursorSQL = `INSERT INTO cursors (pipeline, cursor, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (pipeline) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at`
)

var writerStatements = []string{upsertRecordSQL, insertLedgerSQL, settlePendingSQL, dropRecordSQL, upsertEnrichmentSQL,
	upsertCursorSQL, currentLeaseSQL, claimSQL, dropClaimSQL}
