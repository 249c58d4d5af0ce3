-- What the mapping decided per field in each run (write, keep_filled, no_value…),
-- counted: the status page draws each pipeline's fill rates from them. One row per
-- run, field and action; rows go with nothing else (runs are never deleted).
CREATE TABLE run_field_actions (
    run_id TEXT    NOT NULL,
    field  TEXT    NOT NULL,
    action TEXT    NOT NULL,
    n      INTEGER NOT NULL CHECK (n > 0),
    PRIMARY KEY (run_id, field, action)
) STRICT, WITHOUT ROWID;
