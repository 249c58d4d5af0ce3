package state

// The statements the writer runs per record or per page, prepared once when the
// store opens (see stmtCache): the writer has a single connection, so a statement
// prepared lazily inside a transaction could only be prepared on that transaction.
const (
	upsertRecordSQL = `INSERT INTO records (` + recordColumns + `)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (pipeline, crm_id) DO UPDATE SET
			status = excluded.status, class = excluded.class, reason = excluded.reason,
			attempts = excluded.attempts, next_attempt = excluded.next_attempt,
			seen_modified_at = excluded.seen_modified_at, identity_key = excluded.identity_key,
			updated_at = excluded.updated_at`
	insertLedgerSQL = `INSERT INTO ledger (run_id, pipeline, crm_object, crm_id, field,
		old_value, new_value, source_path, lusha_id, written_at, pending)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	settlePendingSQL    = `DELETE FROM ledger WHERE pipeline = ? AND crm_id = ? AND pending = 1`
	upsertEnrichmentSQL = `INSERT INTO enrichments
		(key, outcome, lusha_id, answer, revealed, credits, fetched_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET outcome = excluded.outcome, lusha_id = excluded.lusha_id,
			answer = excluded.answer, revealed = excluded.revealed, credits = excluded.credits,
			fetched_at = excluded.fetched_at, expires_at = excluded.expires_at`
	upsertCursorSQL = `INSERT INTO cursors (pipeline, cursor, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (pipeline) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at`
)

var writerStatements = []string{upsertRecordSQL, insertLedgerSQL, settlePendingSQL, upsertEnrichmentSQL,
	upsertCursorSQL, currentLeaseSQL}
