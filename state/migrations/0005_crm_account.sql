-- Two CRM accounts (portals, orgs) number their records independently, so their
-- ids collide: record state, the ledger and ownership are keyed by the CRM account
-- too. Rows from before get the account '' until AssignAccount names it.
--
-- records also gets the status 'unknown' (a write was sent and its outcome is not
-- known: only a read-back may settle it) and the digest of the fields last read,
-- which tells a human change from leadsync's own echo within one second.
-- SQLite changes neither a primary key nor a CHECK in place: the table is rebuilt.
CREATE TABLE records_new (
    pipeline         TEXT    NOT NULL,
    crm_account      TEXT    NOT NULL DEFAULT '',
    crm_id           TEXT    NOT NULL,
    status           TEXT    NOT NULL
        CHECK (status IN ('done', 'skipped', 'parked', 'pending', 'unknown')),
    class            TEXT    NOT NULL DEFAULT '',
    reason           TEXT    NOT NULL DEFAULT '',
    attempts         INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt     INTEGER,
    seen_modified_at INTEGER,
    seen_digest      TEXT    NOT NULL DEFAULT '',
    identity_key     TEXT    NOT NULL DEFAULT '',
    updated_at       INTEGER NOT NULL,
    PRIMARY KEY (pipeline, crm_account, crm_id)
) STRICT;
INSERT INTO records_new (pipeline, crm_id, status, class, reason, attempts, next_attempt,
    seen_modified_at, identity_key, updated_at)
SELECT pipeline, crm_id, status, class, reason, attempts, next_attempt,
    seen_modified_at, identity_key, updated_at FROM records;
DROP TABLE records;
ALTER TABLE records_new RENAME TO records;
CREATE INDEX records_by_status ON records (pipeline, status, class, next_attempt);
CREATE INDEX records_by_identity ON records (identity_key) WHERE identity_key <> '';
CREATE INDEX records_by_crm_id ON records (crm_id);

ALTER TABLE ledger ADD COLUMN crm_account TEXT NOT NULL DEFAULT '';
-- Ownership never crosses accounts.
DROP INDEX ledger_by_record;
CREATE INDEX ledger_by_record ON ledger (crm_account, crm_object, crm_id, field, written_at, id);
DROP INDEX ledger_pending;
CREATE INDEX ledger_pending ON ledger (pipeline, crm_account, crm_id) WHERE pending = 1;
-- AssignAccount finds the rows still without an account here, not by reading the
-- whole ledger; once all are assigned the index is empty.
CREATE INDEX ledger_unassigned ON ledger (pipeline) WHERE crm_account = '';
