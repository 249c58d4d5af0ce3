-- The webhook inbox (SQLite's 0011_inbox.sql): deliveries stored before they
-- are acknowledged and processed after, in seq order; body erased ('') once
-- processed.
CREATE TABLE inbox (
    seq          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    payload_id   text COLLATE "C" NOT NULL UNIQUE,
    kind         text COLLATE "C" NOT NULL,
    body         text   NOT NULL,
    status       text COLLATE "C" NOT NULL DEFAULT 'received',
    received_at  bigint NOT NULL,
    processed_at bigint
);
CREATE INDEX inbox_by_status ON inbox (status, seq);
