-- Single flight across processes: before buying an identity, a process claims its
-- key; a key another live owner claimed is being bought there, so this process
-- waits for the answer instead of paying for it again (I2). An expired claim is
-- free (its owner died). Saving the answer deletes the claim in the same
-- transaction, so a waiter that finds no claim finds the answer.
CREATE TABLE identity_claims (
    key        TEXT    PRIMARY KEY,
    owner      TEXT    NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;
