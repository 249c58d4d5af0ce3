-- The run page lists a run's field changes.
CREATE INDEX ledger_by_run ON ledger (run_id, id);
