-- 0012: the outbox. Each row is one message for one target of one of the
-- plan's [[notify]] rules, written in the transaction of the event it
-- reports. A worker claims a due row (state 'sending', a lease with an
-- owner and an end), delivers it outside any transaction, and marks it
-- 'sent', or 'pending' again with a later next_at, or 'failed' once its
-- attempts are used up. A lease that ran out (its worker died) makes the
-- row claimable again. key is the idempotency key: the same event written
-- twice is one row.
CREATE TABLE outbox (
    id           INTEGER PRIMARY KEY,
    key          TEXT NOT NULL UNIQUE,
    event        TEXT NOT NULL,
    entity       TEXT NOT NULL DEFAULT '',
    rule         TEXT NOT NULL,
    channel      TEXT NOT NULL CHECK (channel IN ('webhook', 'slack', 'teams', 'email')),
    target       TEXT NOT NULL,
    subject      TEXT NOT NULL,
    body         TEXT NOT NULL,
    fields       TEXT NOT NULL DEFAULT '[]',
    state        TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'failed')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    next_at      INTEGER NOT NULL,
    lease_owner  TEXT NOT NULL DEFAULT '',
    lease_until  INTEGER,
    last_error   TEXT NOT NULL DEFAULT '',
    sent_at      INTEGER
) STRICT;
-- The worker's question, "what is due now?", reads only the rows on their way.
CREATE INDEX outbox_due ON outbox (next_at) WHERE state = 'pending';
CREATE INDEX outbox_leased ON outbox (lease_until) WHERE state = 'sending';
CREATE INDEX outbox_entity ON outbox (entity, id);
