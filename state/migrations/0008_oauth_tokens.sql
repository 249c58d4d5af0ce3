-- OAuth refresh tokens a provider rotated: with rotation on (Salesforce connected
-- apps, reference salesforce-api.md §2.4), each renewal hands out a new refresh token
-- and kills the one sent, so the configured token is dead after the first renewal
-- and the current one must outlive the process. account names the chain: the CRM
-- account and a digest of the token it was configured with. A secret like the
-- bought answers, it is kept in this 0600 file and never logged.
CREATE TABLE oauth_tokens (
    account       TEXT    PRIMARY KEY,
    refresh_token TEXT    NOT NULL,
    updated_at    INTEGER NOT NULL
) STRICT;
