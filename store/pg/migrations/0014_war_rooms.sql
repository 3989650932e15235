-- 0014: major-incident mode, as store/migrations/0014_war_rooms.sql: one
-- row per incident that was ever major, with its roles, status updates,
-- the reminder last raised and its stand-down.
CREATE TABLE war_rooms (
    incident_id   bigint PRIMARY KEY REFERENCES incidents (id),
    declared_at   bigint NOT NULL,
    declared_by   text NOT NULL,
    commander     text NOT NULL DEFAULT '',
    comms         text NOT NULL DEFAULT '',
    scribe        text NOT NULL DEFAULT '',
    last_update   bigint,
    updates       integer NOT NULL DEFAULT 0,
    reminded_for  bigint,
    stood_down_at bigint,
    review_id     bigint REFERENCES problems (id)
);
CREATE INDEX war_rooms_open ON war_rooms (incident_id) WHERE stood_down_at IS NULL;
INSERT INTO war_rooms (incident_id, declared_at, declared_by)
    SELECT id, opened_at, 'hypercare' FROM incidents WHERE major AND state NOT IN ('closed', 'cancelled');
