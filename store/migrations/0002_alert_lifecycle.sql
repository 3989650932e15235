-- 0002_alert_lifecycle: drops applied once, alert state history, silences,
-- storms, flapping and the marks the service layer puts on alerts.

ALTER TABLE alerts ADD COLUMN ack_until INTEGER;
ALTER TABLE alerts ADD COLUMN group_key TEXT NOT NULL DEFAULT '';
ALTER TABLE alerts ADD COLUMN silenced_by INTEGER;
ALTER TABLE alerts ADD COLUMN flapping INTEGER NOT NULL DEFAULT 0;
ALTER TABLE alerts ADD COLUMN after_change INTEGER;
ALTER TABLE alerts ADD COLUMN incident_id INTEGER;
ALTER TABLE alerts ADD COLUMN truncated INTEGER NOT NULL DEFAULT 0;
ALTER TABLE alerts ADD COLUMN storm_id INTEGER;
-- 1 for every alert of a storm but its first: the feed shows a storm as one
-- row. It rides in the feed index so hiding members reads no table rows.
ALTER TABLE alerts ADD COLUMN storm_member INTEGER NOT NULL DEFAULT 0;

DROP INDEX alerts_feed;
CREATE INDEX alerts_feed ON alerts (firing DESC, severity, last_seen DESC, id DESC, storm_member, name, service, summary);
-- Storm detection counts a group's recent arrivals.
CREATE INDEX alerts_group ON alerts (group_key, first_seen);
-- An expanded storm, in feed order.
CREATE INDEX alerts_storm ON alerts (storm_id, last_seen DESC, id DESC) WHERE storm_id IS NOT NULL;
-- "Are all of this incident's alerts resolved?"
CREATE INDEX alerts_incident ON alerts (incident_id, state) WHERE incident_id IS NOT NULL;

-- Every state change, for flapping and the alert's history.
CREATE TABLE alert_changes (
    alert_id INTEGER NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    at       INTEGER NOT NULL,
    state    TEXT NOT NULL CHECK (state IN ('firing', 'resolved'))
) STRICT;
CREATE INDEX alert_changes_alert ON alert_changes (alert_id, at);

-- History is kept by the database, like the counters: one row when an alert
-- arrives and one per state change, with no extra statement per delivery.
CREATE TRIGGER alert_changes_insert AFTER INSERT ON alerts BEGIN
    INSERT INTO alert_changes (alert_id, at, state) VALUES (new.id, new.last_seen, new.state);
END;

CREATE TRIGGER alert_changes_update AFTER UPDATE OF state ON alerts
WHEN old.state IS NOT new.state BEGIN
    INSERT INTO alert_changes (alert_id, at, state) VALUES (new.id, new.last_seen, new.state);
END;

CREATE TABLE silences (
    id         INTEGER PRIMARY KEY,
    matchers   TEXT NOT NULL,
    author     TEXT NOT NULL,
    comment    TEXT NOT NULL,
    starts_at  INTEGER NOT NULL,
    ends_at    INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    CHECK (ends_at > starts_at)
) STRICT;
CREATE INDEX silences_ends ON silences (ends_at);

-- A drop's content hash, written in the transaction that applies it, so a
-- re-delivery, or a restart between commit and moving the file, applies
-- nothing twice.
CREATE TABLE drops (
    sha256 TEXT PRIMARY KEY,
    name   TEXT NOT NULL,
    format TEXT NOT NULL,
    alerts INTEGER NOT NULL,
    at     INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE storms (
    id         INTEGER PRIMARY KEY,
    group_key  TEXT NOT NULL,
    head_alert INTEGER NOT NULL,
    started_at INTEGER NOT NULL,
    last_at    INTEGER NOT NULL,
    size       INTEGER NOT NULL
) STRICT;
CREATE INDEX storms_group ON storms (group_key, last_at);

-- The alert group an incident was opened for, so later alerts attach to it
-- instead of opening a duplicate.
ALTER TABLE incidents ADD COLUMN alert_group TEXT NOT NULL DEFAULT '';
CREATE INDEX incidents_alert_group ON incidents (service, alert_group) WHERE is_open AND alert_group <> '';
