-- The Lusha signal a ledger row's write acted on (SQLite's 0012_ledger_signal.sql);
-- '' for a run's writes.
ALTER TABLE ledger ADD COLUMN signal_id text COLLATE "C" NOT NULL DEFAULT '';
