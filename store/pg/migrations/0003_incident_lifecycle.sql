-- 0003_incident_lifecycle: respond clock, holds and paused SLA time,
-- satisfaction, merges, problem links, SLA events raised, escalation
-- level start, and links from incidents to changes and articles.

ALTER TABLE incidents ADD COLUMN respond_due bigint;
ALTER TABLE incidents ADD COLUMN hold_reason text NOT NULL DEFAULT '';
ALTER TABLE incidents ADD COLUMN hold_since bigint;
ALTER TABLE incidents ADD COLUMN paused_ms bigint NOT NULL DEFAULT 0;
ALTER TABLE incidents ADD COLUMN satisfaction integer NOT NULL DEFAULT 0;
ALTER TABLE incidents ADD COLUMN merged_into bigint;
ALTER TABLE incidents ADD COLUMN problem_id bigint;
ALTER TABLE incidents ADD COLUMN sla_flags integer NOT NULL DEFAULT 0;
ALTER TABLE incidents ADD COLUMN level_since bigint;

UPDATE incidents SET level_since = opened_at;

-- Links from an incident to a change ("caused_by", "resolved_by") or a
-- knowledge base article ("article"). Alerts link through alerts.incident_id.
CREATE TABLE incident_links (
    incident_id bigint NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    kind        text NOT NULL CHECK (kind IN ('caused_by', 'resolved_by', 'article')),
    target      bigint NOT NULL,
    at          bigint NOT NULL,
    actor       text NOT NULL DEFAULT '',
    PRIMARY KEY (incident_id, kind, target)
);
-- "Which incidents did this change cause?"
CREATE INDEX incident_links_target ON incident_links (kind, target);
