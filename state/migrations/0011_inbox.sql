-- The webhook inbox: each delivery Lusha sends (a signal, an opt-out) is stored
-- here before it is acknowledged, and processed after, in seq order, so that a
-- crash between the two loses nothing. payload_id is unique: a delivery Lusha
-- retries is stored once. body is the raw delivery; it is erased ('') once the
-- delivery is processed, for an opt-out names the person it erases.
CREATE TABLE inbox (
    seq          INTEGER PRIMARY KEY,
    payload_id   TEXT    NOT NULL UNIQUE,
    kind         TEXT    NOT NULL,
    body         TEXT    NOT NULL,
    status       TEXT    NOT NULL DEFAULT 'received',
    received_at  INTEGER NOT NULL,
    processed_at INTEGER
) STRICT;
CREATE INDEX inbox_by_status ON inbox (status, seq);
