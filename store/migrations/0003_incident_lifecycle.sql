-- 0003_incident_lifecycle: respond clock, holds and paused SLA time,
-- satisfaction, merges, problem links, SLA events raised, escalation
-- level start, and links from incidents to changes and articles.

ALTER TABLE incidents ADD COLUMN respond_due INTEGER;
ALTER TABLE incidents ADD COLUMN hold_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE incidents ADD COLUMN hold_since INTEGER;
ALTER TABLE incidents ADD COLUMN paused_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE incidents ADD COLUMN satisfaction INTEGER NOT NULL DEFAULT 0;
ALTER TABLE incidents ADD COLUMN merged_into INTEGER;
ALTER TABLE incidents ADD COLUMN problem_id INTEGER;
ALTER TABLE incidents ADD COLUMN sla_flags INTEGER NOT NULL DEFAULT 0;
ALTER TABLE incidents ADD COLUMN level_since INTEGER;

-- Incidents already open keep their level clock from when they opened.
UPDATE incidents SET level_since = opened_at;

-- Links from an incident to a change ("caused_by", "resolved_by") or a
-- knowledge base article ("article"). Alerts link through alerts.incident_id.
CREATE TABLE incident_links (
    incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('caused_by', 'resolved_by', 'article')),
    target      INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    actor       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (incident_id, kind, target)
) STRICT;
-- "Which incidents did this change cause?"
CREATE INDEX incident_links_target ON incident_links (kind, target);
