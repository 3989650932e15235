-- 0013: major-incident mode. One row per incident that was ever major: when
-- it was declared and by whom, the war room's roles, its status updates and
-- the reminder last raised, and its stand-down with the post-incident
-- review opened then. Declaring again reuses the row.
CREATE TABLE war_rooms (
    incident_id   INTEGER PRIMARY KEY REFERENCES incidents (id),
    declared_at   INTEGER NOT NULL,
    declared_by   TEXT NOT NULL,
    commander     TEXT NOT NULL DEFAULT '',
    comms         TEXT NOT NULL DEFAULT '',
    scribe        TEXT NOT NULL DEFAULT '',
    last_update   INTEGER,
    updates       INTEGER NOT NULL DEFAULT 0,
    reminded_for  INTEGER,
    stood_down_at INTEGER,
    review_id     INTEGER REFERENCES problems (id)
) STRICT;
CREATE INDEX war_rooms_open ON war_rooms (incident_id) WHERE stood_down_at IS NULL;
-- Incidents already major have their war room open from when they were opened.
INSERT INTO war_rooms (incident_id, declared_at, declared_by)
    SELECT id, opened_at, 'hypercare' FROM incidents WHERE major AND state NOT IN ('closed', 'cancelled');
