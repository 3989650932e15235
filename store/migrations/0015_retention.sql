-- 0015: retention. Records older than the plan's [retention] are archived
-- and pruned in batches (store/retention.go), found through indexes so a
-- batch reads only what it removes.

-- The records of drop files applied, oldest first.
CREATE INDEX drops_at ON drops (at);

-- The audit log stays append-only to everyone but the prune: a delete is
-- let through only for entries older than the time the prune's own
-- transaction writes here, and the prune removes that row again before it
-- commits, so no other transaction ever sees the gate open.
CREATE TABLE retention_gate (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    audit_before INTEGER NOT NULL
) STRICT;

DROP TRIGGER audit_no_delete;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
WHEN NOT EXISTS (SELECT 1 FROM retention_gate WHERE old.at < audit_before) BEGIN
    SELECT RAISE(ABORT, 'audit log is append-only: entries leave only by retention (hypercare prune)');
END;
