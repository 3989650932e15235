-- 0015: retention, as store/migrations/0015 for SQLite. Records older than
-- the plan's [retention] are archived and pruned in batches
-- (store/pg/retention.go), found through indexes so a batch reads only
-- what it removes.

CREATE INDEX drops_at ON drops (at);
-- Resolved alerts by when they were last seen, and state changes by when
-- they happened: where each prune batch starts.
CREATE INDEX alerts_resolved_seen ON alerts (last_seen, id) WHERE state = 'resolved';
CREATE INDEX alert_changes_at ON alert_changes (at, seq);

-- The audit log stays append-only to everyone but the prune: a delete is
-- let through only for entries older than the time the prune's own
-- transaction writes here, and the prune removes that row again before it
-- commits, so no other transaction ever sees the gate open.
CREATE TABLE retention_gate (
    id           integer PRIMARY KEY CHECK (id = 1),
    audit_before bigint NOT NULL
);

CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND EXISTS (SELECT 1 FROM retention_gate WHERE OLD.at < audit_before) THEN
        RETURN OLD;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'audit log is append-only: entries leave only by retention (hypercare prune)';
    END IF;
    RAISE EXCEPTION 'audit log is append-only';
END $$;
