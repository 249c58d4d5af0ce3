-- Write-ahead ledger: rows are stored as pending before a CRM write is sent and
-- settled after its answer, so that a crash mid-write leaves a trace to reconcile.
ALTER TABLE ledger ADD COLUMN pending INTEGER NOT NULL DEFAULT 0;
CREATE INDEX ledger_pending ON ledger (pipeline, crm_id) WHERE pending = 1;
