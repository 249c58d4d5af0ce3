-- The Lusha signal (its webhook payload id) a ledger row's write acted on: a
-- signal's re-enrichment writes through the same ledger as a run, and the row
-- says which signal caused it. '' for a run's writes.
ALTER TABLE ledger ADD COLUMN signal_id TEXT NOT NULL DEFAULT '';
