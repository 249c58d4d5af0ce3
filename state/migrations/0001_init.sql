-- leadsync state, schema version 1.
-- Every timestamp is INTEGER Unix milliseconds UTC; NULL means "not set".

-- One row per run of one pipeline; the counts are columns so that
-- `leadsync status` and plain sqlite3 can read them.
CREATE TABLE runs (
    run_id           TEXT    PRIMARY KEY,
    pipeline         TEXT    NOT NULL,
    dry_run          INTEGER NOT NULL DEFAULT 0 CHECK (dry_run IN (0, 1)),
    status           TEXT    NOT NULL,
    started_at       INTEGER NOT NULL,
    finished_at      INTEGER,
    error            TEXT    NOT NULL DEFAULT '',
    records_read     INTEGER NOT NULL DEFAULT 0,
    records_enriched INTEGER NOT NULL DEFAULT 0,
    records_written  INTEGER NOT NULL DEFAULT 0,
    records_skipped  INTEGER NOT NULL DEFAULT 0,
    records_failed   INTEGER NOT NULL DEFAULT 0,
    fields_written   INTEGER NOT NULL DEFAULT 0,
    credits_spent    INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX runs_by_pipeline ON runs (pipeline, started_at);
CREATE INDEX runs_by_start ON runs (started_at);

-- The adapter's opaque resume point per pipeline.
CREATE TABLE cursors (
    pipeline   TEXT    PRIMARY KEY,
    cursor     TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

-- Who runs a pipeline right now, and until when.
CREATE TABLE leases (
    pipeline    TEXT    PRIMARY KEY,
    owner       TEXT    NOT NULL,
    acquired_at INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
) STRICT;

-- The last outcome per (pipeline, CRM id).
CREATE TABLE records (
    pipeline         TEXT    NOT NULL,
    crm_id           TEXT    NOT NULL,
    status           TEXT    NOT NULL CHECK (status IN ('done', 'skipped', 'parked', 'pending')),
    class            TEXT    NOT NULL DEFAULT '',
    reason           TEXT    NOT NULL DEFAULT '',
    attempts         INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt     INTEGER,
    seen_modified_at INTEGER,
    identity_key     TEXT    NOT NULL DEFAULT '',
    updated_at       INTEGER NOT NULL,
    PRIMARY KEY (pipeline, crm_id)
) STRICT;
-- status: counts by status and class, and the retry queue in due order.
CREATE INDEX records_by_status ON records (pipeline, status, class, next_attempt);
-- forget: find a person's CRM ids from the identity key.
CREATE INDEX records_by_identity ON records (identity_key) WHERE identity_key <> '';
-- forget: erase by CRM id across pipelines.
CREATE INDEX records_by_crm_id ON records (crm_id);

-- Cached Lusha answers by identity hash (or "company:" + domain).
CREATE TABLE enrichments (
    key        TEXT    PRIMARY KEY,
    outcome    TEXT    NOT NULL CHECK (outcome IN ('matched', 'no_match', 'restricted')),
    lusha_id   TEXT    NOT NULL DEFAULT '',
    answer     BLOB,
    revealed   TEXT    NOT NULL DEFAULT '[]', -- JSON array of data points bought
    credits    INTEGER NOT NULL DEFAULT 0 CHECK (credits >= 0),
    fetched_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX enrichments_by_expiry ON enrichments (expires_at);

-- Identities never to send to Lusha again.
CREATE TABLE suppressions (
    key           TEXT    PRIMARY KEY,
    reason        TEXT    NOT NULL,
    suppressed_at INTEGER NOT NULL
) STRICT;

-- Credit log: one row per Lusha call that cost credits.
CREATE TABLE spend (
    id       INTEGER PRIMARY KEY,
    pipeline TEXT    NOT NULL,
    run_id   TEXT    NOT NULL DEFAULT '',
    call     TEXT    NOT NULL,
    credits  INTEGER NOT NULL CHECK (credits > 0),
    spent_at INTEGER NOT NULL
) STRICT;
CREATE INDEX spend_by_time ON spend (spent_at, pipeline);

-- Every field value leadsync wrote (I6). id keeps insertion order for rows
-- written in the same millisecond. Forget sets old/new value to NULL and
-- erased_at, keeping the fact that a write happened.
CREATE TABLE ledger (
    id          INTEGER PRIMARY KEY,
    run_id      TEXT    NOT NULL,
    pipeline    TEXT    NOT NULL,
    crm_object  TEXT    NOT NULL,
    crm_id      TEXT    NOT NULL,
    field       TEXT    NOT NULL,
    old_value   TEXT,
    new_value   TEXT,
    source_path TEXT    NOT NULL DEFAULT '',
    lusha_id    TEXT    NOT NULL DEFAULT '',
    written_at  INTEGER NOT NULL,
    erased_at   INTEGER
) STRICT;
CREATE INDEX ledger_by_record ON ledger (crm_object, crm_id, field, written_at, id);
CREATE INDEX ledger_by_crm_id ON ledger (crm_id);
